"""Time `rnncourse check` against the floor `python -c "import numpy"`.

Target (issues 2 and 3): the whole-course check under 3x the floor. Prints the
median and the minimum wall time of each command over several rounds (each
round runs every command once, the floor included), and the ratios to the
floor's; on a busy machine the minimum is the steadier figure.

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


def timings(commands: list[tuple[list[str], dict | None, tuple[int, ...]]],
            runs: int) -> list[list[float]]:
    """Wall times of each command over ``runs`` rounds, after one warm-up round.
    Each round runs every command once, so that a machine that speeds up or
    slows down during the benchmark affects all of them alike."""
    times: list[list[float]] = [[] for _ in commands]
    for round_ in range(runs + 1):
        for index, (command, env, ok_codes) in enumerate(commands):
            started = time.perf_counter()
            done = subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, env=env)
            if round_:
                times[index].append(time.perf_counter() - started)
            if done.returncode not in ok_codes:
                sys.exit(f"{' '.join(command)} exited {done.returncode}: {done.stderr.decode()}")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("exercises", nargs="*")
    args = parser.parse_args()
    check = [sys.executable, "-m", "rnncourse", "check", *args.exercises]
    solutions = [*check, "--dir", "solutions"]
    # numpy's bytecode was compiled when pip installed it; an editable install's
    # is written on first use, unless PYTHONDONTWRITEBYTECODE forbids it.
    cached = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    uncached = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    with tempfile.TemporaryDirectory() as state:
        rows = [
            ('floor  python -c "import numpy"', [sys.executable, "-c", "import numpy"],
             cached, (0,)),
            ("check --dir solutions, bytecode cached", solutions, cached, (0,)),
            ("check --dir solutions --json", [*solutions, "--json"], cached, (0,)),
            ("check --dir solutions, no bytecode cache", solutions, uncached, (0,)),
            # a student's own check of exercises/ also records progress (`status`);
            # on the stubs every check fails, hence exit code 1
            ("check exercises/ (records status)", check,
             dict(cached, RNNCOURSE_STATE_DIR=state), (0, 1)),
        ]
        times = timings([(command, env, ok) for _, command, env, ok in rows], args.runs)
    floor, floor_min = statistics.median(times[0]), min(times[0])
    print(f"{'':46s}{'median':>9s}{'':9s}{'minimum':>9s}")
    for (label, *_), row in zip(rows, times):
        median, minimum = statistics.median(row), min(row)
        print(f"{label:46s}{median * 1000:7.1f} ms {median / floor:4.2f}x "
              f"{minimum * 1000:7.1f} ms {minimum / floor_min:4.2f}x")
    print("target: under 3x the floor")


if __name__ == "__main__":
    main()
