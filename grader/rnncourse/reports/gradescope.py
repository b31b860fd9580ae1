"""Gradescope's ``results.json``, built by one function for both of its uses:
``gradescope/<student_id>.json`` from `rnncourse grade`, and
``results/results.json`` from the Gradescope autograder (gradescope/). So a
student's results are the same, number for number, wherever they were graded.

The format (https://gradescope-autograders.readthedocs.io/en/latest/specs/):
top-level ``score`` (the sum of the tests), ``execution_time``, ``output``
and ``tests``, each with name, number, score, max_score, status
("passed"/"failed"), output, tags, visibility and extra_data. Outputs are
Markdown (``output_format: "md"``) in which nothing a student wrote can
render: their text is escaped or fenced (reports/markdown.py). Public checks
are "visible", hidden ones as course.toml's [gradescope] hidden_visibility
says ("after_published" unless set). The max_scores add up to the course's
total: the optional exercise is extra credit, its tests worth 0 points
(``max_score`` 0) and scoring what they earn, the way Gradescope adds bonus
points. ``extra_data`` (stored, not shown to students) names the
misconceptions recognised and the course build that graded.
"""

from __future__ import annotations

import rnncourse
from rnncourse import untrusted
from rnncourse.course.manifest import Course
from rnncourse.course.stamp import course_stamp
from rnncourse.reports.classreport import number
from rnncourse.reports.feedback import details, printed
from rnncourse.reports.markdown import fenced, inert
from rnncourse.results import CheckResult, Row, Status

ERROR_TEST = "Autograder error"


def gradescope_results(course: Course, row: Row, *, stamp: str | None = None,
                       extra: dict | None = None) -> dict:
    """``row``'s results.json. ``stamp``: the course's (course_stamp), when the
    caller has it already; ``extra``: more for the top-level extra_data."""
    if row.status == Status.ERROR:
        return autograder_error(row.reason or "the grader failed", row.seconds,
                                {"student": row.student_id, **(extra or {})})
    tests = []
    if row.result is None:
        for index, exercise in enumerate(course.exercises, 1):
            tests.append(_test(f"{exercise.id}: not graded", f"{index}.1", 0.0,
                               0.0 if exercise.optional else exercise.points, False,
                               inert(row.reason), "visible", [exercise.id],
                               {"exercise": exercise.id, "kind": row.status}))
    else:
        visibility = course.gradescope.hidden_visibility
        for index, exercise in enumerate(row.result.exercises, 1):
            for position, check in enumerate(exercise.checks, 1):
                name = f"{exercise.id}: {check.id}" + (" (hidden)" if check.hidden else "")
                if exercise.optional:
                    name += f" (extra credit, {number(check.max_points)} points)"
                tests.append(_test(
                    name, f"{index}.{position}", check.points,
                    0.0 if exercise.optional else check.max_points, check.passed,
                    _check_output(course, check), visibility if check.hidden else "visible",
                    [exercise.id] + ([check.misconception] if check.misconception else []),
                    {"exercise": exercise.id, "check": check.id, "kind": check.kind,
                     "hidden": check.hidden, "misconception": check.misconception,
                     "extra_credit": exercise.optional}))
    if row.quiz is not None and row.quiz.counted:
        tests.append(_test("quiz", f"{len(course.exercises) + 1}.1", row.quiz.score,
                           row.quiz.max_score, row.quiz.score >= row.quiz.max_score,
                           inert(row.quiz.problem), "visible", ["quiz"], {"exercise": "quiz"}))
    misconceptions = sorted({check.misconception for exercise in
                             (row.result.exercises if row.result else [])
                             for check in exercise.checks if check.misconception})
    return {
        "score": row.score() or 0.0,  # the sum of the tests (to their rounding)
        "execution_time": round(row.seconds, 3),
        "output": _summary(course, row),
        "output_format": "md",
        "test_output_format": "md",
        "test_name_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "extra_data": {"student": row.student_id, "status": str(row.status),
                       "misconceptions": misconceptions,
                       "course": stamp or course_stamp(course),
                       "rnncourse": rnncourse.__version__, **(extra or {})},
        "tests": tests,
    }


def autograder_error(reason: str, execution_time: float = 0.0,
                     extra: dict | None = None) -> dict:
    """The results of a grading that failed for the grader's fault: score 0 and
    one failed test, named ERROR_TEST, with the reason (a course or a machine
    fault, never the student's code: see grading/judge.py)."""
    text = inert(reason)
    return {
        "score": 0.0,
        "execution_time": round(execution_time, 3),
        "output": f"The autograder failed on this submission: {text}. This is not your "
                  "code's fault; your instructor can see the reason.",
        "output_format": "md",
        "test_output_format": "md",
        "test_name_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "extra_data": {"status": str(Status.ERROR), "reason": untrusted.line(reason),
                       "rnncourse": rnncourse.__version__, **(extra or {})},
        "tests": [_test(ERROR_TEST, "0.1", 0.0, 0.0, False, text, "visible", ["error"],
                        {"kind": "internal"})],
    }


def _summary(course: Course, row: Row) -> str:
    parts = [f"**Score: {number(row.score())} / {number(row.max_score(course))}.**"]
    if row.reason:
        parts.append(inert(row.reason))
    extra = [exercise for exercise in (row.result.exercises if row.result else [])
             if exercise.optional]
    for exercise in extra:
        parts.append(f"Extra credit: {exercise.id} adds {number(exercise.score)} of its "
                     f"{number(exercise.max_score)} points (not counted in the total).")
    if row.result and any(c.hidden for e in row.result.exercises for c in e.checks):
        parts.append("Checks marked (hidden) use cases of your own that are not shown.")
    return "\n\n".join(parts)


def _test(name: str, test_number: str, score: float, max_score: float, passed: bool,
          output: str, visibility: str, tags: list[str], extra_data: dict) -> dict:
    return {"name": name, "number": test_number, "score": round(score, 6),
            "max_score": round(max_score, 6), "status": "passed" if passed else "failed",
            "output": output, "output_format": "md", "tags": tags,
            "visibility": visibility, "extra_data": extra_data}


def _check_output(course: Course, check: CheckResult) -> str:
    """A check's output, as Markdown: what a student reads about it."""
    if check.passed:
        return ""
    parts = [inert(check.feedback_message()),
             *(f"**{label}:** " + (f"`{text}`" if label == "Read" else " ".join(text.split()))
               for label, text in details(course, check))]
    if printed(check):
        parts.append("Your code printed:\n\n" + "\n".join(fenced(printed(check))))
    return "\n\n".join(part for part in parts if part)
