"""Time `rnncourse check --dir solutions` against the floor `python -c "import numpy"`.

Target (issues 2 and 3): the whole-course check under 3x the floor.
Prints the median wall time of each over several runs and their ratio.

    python benchmarks/check_speed.py [--runs 15] [EXERCISE ...]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def median_seconds(command: list[str], runs: int, ok_codes: tuple[int, ...],
                   env: dict | None = None) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, env=env)
        times.append(time.perf_counter() - started)
        if done.returncode not in ok_codes:
            sys.exit(f"{' '.join(command)} exited {done.returncode}: {done.stderr.decode()}")
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("exercises", nargs="*")
    args = parser.parse_args()
    floor = median_seconds([sys.executable, "-c", "import numpy"], args.runs, (0,))
    check = [sys.executable, "-m", "rnncourse", "check", "--dir", "solutions", *args.exercises]
    course = median_seconds(check, args.runs, (0,))
    as_json = median_seconds([*check, "--json"], args.runs, (0,))
    # The student's own check of exercises/ also records progress for `rnncourse status`
    # (into a scratch store here); the stubs fail, hence exit code 1.
    with tempfile.TemporaryDirectory() as state:
        env = dict(os.environ, RNNCOURSE_STATE_DIR=state)
        student = median_seconds([sys.executable, "-m", "rnncourse", "check", *args.exercises],
                                 args.runs, (0, 1), env)
    print(f"floor  python -c 'import numpy'         {floor * 1000:7.1f} ms")
    print(f"check  --dir solutions (rich output)      {course * 1000:7.1f} ms  "
          f"{course / floor:4.2f}x floor")
    print(f"check  --dir solutions --json             {as_json * 1000:7.1f} ms  "
          f"{as_json / floor:4.2f}x floor")
    print(f"check  exercises/ (records status)        {student * 1000:7.1f} ms  "
          f"{student / floor:4.2f}x floor")
    print("target: under 3x the floor")


if __name__ == "__main__":
    main()
