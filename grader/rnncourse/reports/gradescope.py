"""``gradescope/<student_id>.json``: Gradescope's autograder results format.

(https://gradescope-autograders.readthedocs.io/en/latest/specs/): top-level
``score`` and ``tests`` with name, number, score, max_score, status
("passed"/"failed"), output, tags and visibility — "visible" for public
checks, "after_published" for hidden ones. All text is sent as plain text
(``output_format: "text"``), never rendered as HTML.
"""

from __future__ import annotations

from rnncourse import untrusted
from rnncourse.course.manifest import Course
from rnncourse.reports.classreport import number
from rnncourse.reports.feedback import details, printed
from rnncourse.results import CheckResult, Row

HIDDEN_VISIBILITY = "after_published"


def gradescope_results(course: Course, row: Row) -> dict:
    tests = []
    if row.result is None:
        for index, exercise in enumerate(course.exercises, 1):
            tests.append(_test(f"{exercise.id}: not graded", f"{index}.1", 0.0, exercise.points,
                               False, untrusted.line(row.reason, untrusted.MAX_TEXT), "visible",
                           [exercise.id]))
    else:
        for index, exercise in enumerate(row.result.exercises, 1):
            for position, check in enumerate(exercise.checks, 1):
                tests.append(_test(
                    f"{exercise.id}: {check.id}" + (" (hidden)" if check.hidden else ""),
                    f"{index}.{position}", check.points, check.max_points, check.passed,
                    _check_output(course, check), HIDDEN_VISIBILITY if check.hidden else "visible",
                    [exercise.id] + ([check.misconception] if check.misconception else [])))
    if row.quiz is not None and row.quiz.counted:
        tests.append(_test("quiz", f"{len(course.exercises) + 1}.1", row.quiz.score,
                           row.quiz.max_score, row.quiz.score >= row.quiz.max_score,
                           untrusted.line(row.quiz.problem), "visible", ["quiz"]))
    summary = f"Score {number(row.score())} / {number(row.max_score(course))}."
    if row.reason:
        summary += f" {untrusted.line(row.reason, untrusted.MAX_TEXT)}"
    return {
        "score": row.score() or 0.0,
        "output": summary,
        "output_format": "text",
        "test_output_format": "text",
        "test_name_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def _test(name: str, test_number: str, score: float, max_score: float, passed: bool,
          output: str, visibility: str, tags: list[str]) -> dict:
    return {"name": name, "number": test_number, "score": round(score, 6),
            "max_score": round(max_score, 6), "status": "passed" if passed else "failed",
            "output": output, "output_format": "text", "tags": tags,
            "visibility": visibility}


def _check_output(course: Course, check: CheckResult) -> str:
    if check.passed:
        return ""
    parts = [check.feedback_message(),
             *(f"{label}: {text}" for label, text in details(course, check))]
    if printed(check):
        parts.append(f"Your code printed:\n{printed(check)}")
    return "\n".join(part for part in parts if part)
