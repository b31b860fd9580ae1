"""Cost of the numeric gradient check of lstm_backward at N=4, T=20, D=H=64.

Every input there is larger than the entry-by-entry limit, so the check is
directional: a few random unit directions per input, two forward passes each,
instead of two per parameter (that would be ~76,000 forward passes). Timed is
the whole check as grading runs it: the student's forward at the case and at
every perturbed point (ordinary calls, one round trip), the backward (a
second), and the judge's side: the central differences, and the reference's
forward and backward that they are compared with.
Target (issue 3): under 50 ms. Prints the median over several runs, and how
many forward passes the check made.

    python benchmarks/gradcheck_cost.py [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from rnncourse.checking import Student, gradcheck
from rnncourse.checking.draws import FixedDraw
from rnncourse.checking.recurrent import Case, backward_gradient
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
    test = backward_gradient(SEQUENCE, Case("benchmark", DIMS, 0))
    parameters = sum(arg.size for arg in SEQUENCE.make_inputs(DIMS, FixedDraw(0)))
    times = []
    with StudentProcess(ROOT / "solutions" / "lstm.py") as process:
        for _ in range(args_.runs + 1):  # the first run warms up
            process.reset()
            student = Student(process, "lstm", 60.0)
            started = time.perf_counter()
            test(student, reference, course.policy)
            times.append(time.perf_counter() - started)
    times = times[1:]
    passes = 1 + 2 * gradcheck.DIRECTIONS * len(SEQUENCE.inputs)
    print(f"lstm_backward gradient check, N=4 T=20 D=H=64 ({parameters} parameters)")
    print(f"  directional: {passes} forward passes and one backward of the student's; "
          f"median {statistics.median(times) * 1000:.1f} ms (min {min(times) * 1000:.1f} ms)"
          "  target: under 50 ms")


if __name__ == "__main__":
    main()
