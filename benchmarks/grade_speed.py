"""Time `rnncourse grade` on a generated class and print submissions per second.

Target (issue 5): at least 20 submissions per second with --jobs 2 on a
2-core machine. For scale: nbgrader's autograde takes about 0.9 s per further
submission in a batch, Otter-Grader's local run about 3.2 s per submission.

    python benchmarks/grade_speed.py [-n 200] [--jobs 2] [--runs 3]

The class mixes correct solutions, untouched stubs, two known mistakes, a
student with one file only and zipped submissions. Each run grades the whole
class into a fresh --out folder, start-up included; the figure is the median.
A last run over the same folder shows the cost of a re-run with nothing new.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MISTAKES = {
    "derivative-at-activation": ("activations", "def tanh_derivative(x):\n    return 1 - x ** 2\n"),
    "clip-by-value": ("clipping", "def clip_by_global_norm(grads, max_norm):\n"
                      "    norm = global_norm(grads)\n"
                      "    return {k: np.clip(g, -max_norm, max_norm) for k, g in grads.items()},"
                      " norm\n"),
}


def make_class(folder: Path, count: int) -> None:
    solutions = {path.name: path.read_text() for path in (ROOT / "solutions").glob("*.py")}
    stubs = {path.name: path.read_text() for path in (ROOT / "exercises").glob("*.py")}
    variants = ["solution", "stub", "derivative-at-activation", "clip-by-value", "one-file",
                "zip"]
    for index in range(count):
        variant = variants[index % len(variants)]
        files = dict(stubs if variant == "stub" else solutions)
        if variant in MISTAKES:
            exercise, code = MISTAKES[variant]
            files[f"{exercise}.py"] += "\n\n" + code
        if variant == "one-file":
            files = {"activations.py": files["activations.py"]}
        student = f"student{index:04d}"
        if variant == "zip":
            with zipfile.ZipFile(folder / f"{student}.zip", "w", zipfile.ZIP_DEFLATED) as archive:
                for name, text in files.items():
                    archive.writestr(f"{student}/{name}", text)
            continue
        (folder / student).mkdir()
        for name, text in files.items():
            (folder / student / name).write_text(text)


def grade(submissions: Path, out: Path, jobs: int) -> float:
    env = dict(os.environ, RNNCOURSE_HOME=str(ROOT))
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "rnncourse", "grade", str(submissions),
                           "--out", str(out), "--jobs", str(jobs)],
                          capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"rnncourse grade exited {done.returncode}:\n{done.stdout}{done.stderr}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--submissions", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="grade-speed-"))
    try:
        submissions = work / "submissions"
        submissions.mkdir()
        make_class(submissions, args.submissions)
        times = []
        for run in range(args.runs):
            out = work / f"out{run}"
            times.append(grade(submissions, out, args.jobs))
        again = grade(submissions, work / "out0", args.jobs)
        median = statistics.median(times)
        print(f"graded {args.submissions} submissions with --jobs {args.jobs} "
              f"(cpus: {os.cpu_count()}), start-up and reports included")
        print(f"  full run      {median:6.2f} s   {args.submissions / median:7.1f} submissions/s "
              f"(median of {args.runs}: {', '.join(f'{t:.2f}' for t in times)})")
        print(f"  re-run, no change {again:6.2f} s")
        print("target: at least 20 submissions/s")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
