"""Time per training iteration of `rnncourse lab adding`, for each cell.

Runs the lab's own training loop on the reference solutions, in student
processes as the lab does (one forward, one backward and one clipping call per
iteration), at the default sizes (T = 50, H = 32, batch 64). Prints the median
and the minimum time per iteration over a few short runs, and what the
default number of iterations would take. Also times `lab vanishing` at its
defaults.

    python benchmarks/lab_speed.py [--iters 200] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from rnncourse.labs import adding, vanishing
from rnncourse.labs.student import StudentCode

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iters", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    defaults = adding.Settings()
    print(f"lab adding: T = {defaults.steps}, H = {defaults.hidden}, batch {defaults.batch}; "
          f"{args.runs} runs of {args.iters} iterations")
    print(f"{'cell':6s}{'median':>14s}{'minimum':>14s}{f'{defaults.iters} iterations':>22s}")
    with StudentCode(ROOT / "solutions") as code:
        for cell in ("rnn", "lstm", "gru"):
            settings = adding.Settings(cell=cell, iters=args.iters, eval_size=10)
            adding.train(code, adding.Settings(cell=cell, iters=5, eval_size=10))  # warm-up
            per_iteration = []
            for _ in range(args.runs):
                result = adding.train(code, settings)
                per_iteration.append(result.seconds_per_iteration)
            median = statistics.median(per_iteration)
            print(f"{cell:6s}{median * 1000:11.2f} ms{min(per_iteration) * 1000:11.2f} ms"
                  f"{median * defaults.iters:19.1f} s")
        started = time.perf_counter()
        vanishing.measure(code, vanishing.Settings())
        print(f"lab vanishing at its defaults (T up to 100, H = 32): "
              f"{time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
