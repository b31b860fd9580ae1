"""Time `rnncourse check` in a student edition against the full course and the floor
`python -c "import numpy"`.

Target (issue 13): the edition's check not slower than the full course's (it
has no solution module or known mistakes to import; it reads recorded answers
instead). Three students: the solutions copied in, the untouched stubs, and
one known mistake per exercise (where the full course runs the mistakes to
name one, and the edition looks up their recorded results). Same method as
check_speed.py: rounds that run every command once, after a warm-up round;
the median and the minimum wall time of each, and their ratios to the
floor's.

    python benchmarks/release_check_speed.py [--runs 15] [--release DIR]

Without --release it first writes a release into a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from check_speed import ROOT, timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--release", type=Path, help="an edition written by rnncourse release")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        edition = args.release
        if edition is None:
            edition = Path(scratch) / "edition"
            print("writing a release …", flush=True)
            subprocess.run([sys.executable, "-m", "rnncourse", "release", str(edition)],
                           cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        solutions = Path(scratch) / "solutions"  # a student who copied the solutions in
        shutil.copytree(ROOT / "solutions", solutions)
        mistakes = _mistakes(Path(scratch) / "students")
        base = {k: v for k, v in os.environ.items()
                if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPATH", "RNNCOURSE_HOME")}
        full = dict(base, RNNCOURSE_HOME=str(ROOT), RNNCOURSE_STATE_DIR=scratch)
        student = dict(base, RNNCOURSE_HOME=str(edition), PYTHONPATH=str(edition / "grader"),
                       RNNCOURSE_STATE_DIR=scratch)
        check = [sys.executable, "-m", "rnncourse", "check"]
        rows = [
            ('floor  python -c "import numpy"', [sys.executable, "-c", "import numpy"],
             base, (0,)),
            ("full course: check --dir solutions", [*check, "--dir", str(solutions)], full,
             (0,)),
            ("edition:     check --dir solutions", [*check, "--dir", str(solutions)], student,
             (0,)),
            ("full course: check --dir solutions --json",
             [*check, "--dir", str(solutions), "--json"], full, (0,)),
            ("edition:     check --dir solutions --json",
             [*check, "--dir", str(solutions), "--json"], student, (0,)),
            ("full course: check (the stubs)", check, full, (1,)),
            ("edition:     check (its stubs)", check, student, (1,)),
            ("full course: check --dir MISTAKES", [*check, "--dir", str(mistakes)], full,
             (1,)),
            ("edition:     check --dir MISTAKES", [*check, "--dir", str(mistakes)], student,
             (1,)),
        ]
        times = timings([(command, env, ok) for _, command, env, ok in rows], args.runs)
    floor, floor_min = statistics.median(times[0]), min(times[0])
    print(f"{'':46s}{'median':>9s}{'':9s}{'minimum':>9s}")
    for (label, *_), row in zip(rows, times):
        median, minimum = statistics.median(row), min(row)
        print(f"{label:46s}{median * 1000:7.1f} ms {median / floor:4.2f}x "
              f"{minimum * 1000:7.1f} ms {minimum / floor_min:4.2f}x")
    print("target: the edition not slower than the full course")


def _mistakes(scratch: Path) -> Path:
    """A folder with one known mistake per exercise, as the release checks them."""
    sys.path.insert(0, str(ROOT / "grader"))
    from rnncourse.course import manifest
    from rnncourse.release.students import rounds

    return rounds(manifest.load(ROOT), scratch)[2].folder


if __name__ == "__main__":
    main()
