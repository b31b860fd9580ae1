"""Deciding pass or fail: the check vocabulary that check modules use (the
@check decorator, the Student proxy, the expect_* helpers, diagnosis of known
mistakes), the recurrent-cell check builder, fixed draws for public checks,
numeric gradients, the scoring rule and the engine that runs checks.

May import sandbox/, course/, results, untrusted and edition (which edition this
is: a student edition answers from recorded references, references.py); never
grading/, reports/, quiz/ or cli/. The names check modules use are re-exported here.

A check is a test function, written the way pytest tests are written, marked
with ``@check`` (spec.py). It receives fixtures by argument name:

``student``    the student's file, running in its own process (checking.student)
``reference``  the solution module (trusted, in the judge's process)
``policy``     the grading policy from course.toml (tolerances, time limit)
``rng``        a numpy Generator: fixed per check for public checks, fresh for hidden ones

A check passes when it returns, and fails by raising ``CheckFailed`` (an
``AssertionError``, so pytest reports it as a failure), by a plain ``assert``,
or when the student's code fails (``StudentError``).
"""

from rnncourse.checking.diagnosis import diagnose, known_mistakes
from rnncourse.checking.expect import (
    expect_kept_unchanged,
    expect_matches,
    expect_right_result,
    expect_unchanged,
    validated_call,
)
from rnncourse.checking.gradcheck import relative_error
from rnncourse.checking.spec import CheckFailed, CheckSpec, check
from rnncourse.checking.student import Student
from rnncourse.checking.values import describe, expect_value
from rnncourse.sandbox.calls import StudentError

__all__ = [
    "CheckFailed", "CheckSpec", "Student", "StudentError", "check", "describe", "diagnose",
    "expect_kept_unchanged", "expect_matches", "expect_right_result", "expect_unchanged",
    "expect_value", "known_mistakes", "relative_error", "validated_call",
]
