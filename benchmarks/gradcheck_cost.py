"""Cost of the numeric gradient check of lstm_backward at N=4, T=20, D=H=64.

Every input there is larger than the entry-by-entry limit, so the check is
directional: a few random unit directions per input, two forward passes each,
instead of two per parameter (that would be ~76,000 forward passes).
Target (issue 3): under 50 ms. Prints the median over several runs, and how
many forward passes the check made.

    python benchmarks/gradcheck_cost.py [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np

from rnncourse.checking import Student, gradcheck
from rnncourse.checking.recurrent import numeric_gradient_errors, run_backward, run_forward
from rnncourse.checks.lstm import SEQUENCE
from rnncourse.course import manifest as course_module
from rnncourse.course.loader import reference_module
from rnncourse.sandbox.process import StudentProcess

ROOT = Path(__file__).resolve().parent.parent
DIMS = {"N": 4, "T": 20, "D": 64, "H": 64}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args_ = parser.parse_args()
    course = course_module.load(ROOT)
    reference = reference_module(course.solutions_dir, "lstm.py")
    rng = np.random.default_rng(0)
    args = SEQUENCE.make_inputs(DIMS, rng)
    upstream = SEQUENCE.make_upstream(DIMS, rng)
    parameters = sum(a.size for a in args)
    with StudentProcess(ROOT / "solutions" / "lstm.py") as process:
        student = Student(process, "lstm", 60.0)
        _, cache, want = run_forward(student, reference, SEQUENCE, args, "benchmark")
        grads = run_backward(student, SEQUENCE, args, upstream, cache, "benchmark",
                             lambda g: None)
        shapes = [w.shape for w in want]
        times, errors = [], {}
        for _ in range(args_.runs):
            started = time.perf_counter()
            errors = numeric_gradient_errors(student, SEQUENCE, args, upstream, grads, shapes,
                                             rng)
            times.append(time.perf_counter() - started)
    passes = 2 * gradcheck.DIRECTIONS * len(args)
    print(f"lstm_backward gradient check, N=4 T=20 D=H=64 ({parameters} parameters)")
    print(f"  directional: {passes} forward passes, median {statistics.median(times) * 1000:.1f} ms"
          f" (min {min(times) * 1000:.1f} ms)  target: under 50 ms")
    print("  relative errors: " + ", ".join(f"{SEQUENCE.grads[i]} {e:.1e}"
                                            for i, (e, _) in errors.items()))


if __name__ == "__main__":
    main()
