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
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timings(command: list[str], runs: int, ok_codes: tuple[int, ...],
            env: dict | None = None) -> tuple[float, float]:
    """(median, minimum) wall time; the minimum is the steadier figure on a busy machine."""
    times = []
    subprocess.run(command, cwd=ROOT, capture_output=True, env=env)  # warm the caches
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, env=env)
        times.append(time.perf_counter() - started)
        if done.returncode not in ok_codes:
            sys.exit(f"{' '.join(command)} exited {done.returncode}: {done.stderr.decode()}")
    return statistics.median(times), min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("exercises", nargs="*")
    args = parser.parse_args()
    floor, floor_min = timings([sys.executable, "-c", "import numpy"], args.runs, (0,))
    check = [sys.executable, "-m", "rnncourse", "check", "--dir", "solutions", *args.exercises]
    print(f"{'':44s} {'median':>9s}         {'minimum':>9s}")
    print(f"floor  python -c 'import numpy'              {floor * 1000:7.1f} ms"
          f"         {floor_min * 1000:7.1f} ms")
    # numpy's bytecode was compiled when pip installed it; an editable install's
    # is written on first use, unless PYTHONDONTWRITEBYTECODE forbids it.
    cached = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    uncached = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    for label, env in (("bytecode cached (usual)", cached),
                       ("no bytecode cache", uncached)):
        for output, extra in (("rich", []), ("--json", ["--json"])):
            median, minimum = timings([*check, *extra], args.runs, (0,), env)
            print(f"check  {output:6s} {label:24s}      {median * 1000:7.1f} ms {median / floor:4.2f}x"
                  f"  {minimum * 1000:7.1f} ms {minimum / floor_min:4.2f}x")
    print("target: under 3x the floor")


if __name__ == "__main__":
    main()
