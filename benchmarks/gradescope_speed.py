"""Time the Gradescope autograder: setup.sh with a warm pip cache, and
run_autograder per submission on one core (``taskset -c 0``), for the whole
course's solutions, stubs and a known mistake.

Builds the zip of this course (no self-test), unpacks it into a temporary
AUTOGRADER_ROOT, runs setup.sh once to warm pip's cache and then ``--runs``
times, then each submission ``--runs`` times. Prints the median and the
minimum of each.

    python benchmarks/gradescope_speed.py [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
import zipfile
from pathlib import Path

from rnncourse.course import manifest
from rnncourse.gradescope import build, selftest

ROOT = Path(__file__).resolve().parent.parent


def timed(command: list[str], env: dict, cwd: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed: {done.stderr[-500:]}")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    course = manifest.load(ROOT)
    with tempfile.TemporaryDirectory(prefix="rnncourse-gs-bench-") as folder:
        base = Path(folder)
        zip_path = base / "autograder.zip"
        build.build(course, zip_path, self_test=False)
        root = base / "autograder"
        with zipfile.ZipFile(zip_path) as archive:
            archive.extractall(root / "source")
        shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
        env = dict(os.environ, AUTOGRADER_ROOT=str(root))
        setup = ["bash", str(root / "source" / "setup.sh")]
        timed(setup, env, root)  # warms pip's cache
        setups = [timed(setup, env, root) for _ in range(args.runs)]
        print(f"setup.sh (warm pip cache): median {statistics.median(setups):.1f} s, "
              f"min {min(setups):.1f} s over {args.runs} runs")
        one_core = ["taskset", "-c", "0"] if shutil.which("taskset") else []
        for name, _, files in selftest.students(course):
            seconds = []
            for _ in range(args.runs):
                for sub in ("submission", "results"):
                    shutil.rmtree(root / sub, ignore_errors=True)
                    (root / sub).mkdir()
                for file, data in files.items():
                    (root / "submission" / file).write_bytes(data)
                (root / "submission_metadata.json").write_text(json.dumps(
                    {"users": [{"email": "bench@example.edu", "id": 1}]}))
                seconds.append(timed([*one_core, "bash", str(root / "run_autograder")], env,
                                     root))
            score = json.loads((root / "results" / "results.json").read_text())["score"]
            print(f"run_autograder, {name} (score {score:g}){' on one core' if one_core else ''}"
                  f": median {statistics.median(seconds):.1f} s, min {min(seconds):.1f} s")


if __name__ == "__main__":
    main()
