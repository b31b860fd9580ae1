"""Per-student exports from the one result model.

``feedback/<student_id>.md``: what the student sees — every check's result,
message and hint. Hidden checks show their engine-written message only: no
output printed by the student's code during them (it could echo the hidden
inputs) and nothing else about their cases.

``gradescope/<student_id>.json``: Gradescope's autograder results format
(https://gradescope-autograders.readthedocs.io/en/latest/specs/): top-level
``score`` and ``tests`` with name, number, score, max_score, status
("passed"/"failed"), output, tags and visibility — "visible" for public
checks, "after_published" for hidden ones. All text is sent as plain text
(``output_format: "text"``), never rendered as HTML.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from rnncourse import atomic
from rnncourse.course.manifest import Course
from rnncourse.grading.submissions import valid_id
from rnncourse.reports import classreport as report
from rnncourse.reports.classreport import Row, number

FEEDBACK_DIR = "feedback"
GRADESCOPE_DIR = "gradescope"
HIDDEN_VISIBILITY = "after_published"
_MARKDOWN_SPECIAL = re.compile(r"([\\`*\[\]<>|!#])")  # not _: snake_case stays readable


def write(folder: Path, course: Course, rows: list[Row], notes: list[str] = ()) -> dict:
    """Write grades.csv, report.html and the per-student files; return what was
    written as {"report": [paths], "feedback": count, "gradescope": count}."""
    written = {"report": report.write(folder, course, rows, notes)}
    per_student = [row for row in rows if row.scored and valid_id(row.student_id)]
    for directory, suffix, render in (
        (FEEDBACK_DIR, ".md", lambda row: feedback_markdown(course, row)),
        (GRADESCOPE_DIR, ".json",
         lambda row: json.dumps(gradescope_results(course, row)) + "\n"),
    ):
        target = folder / directory
        for row in per_student:  # rebuilt from the gradebook on every run: no fsync each
            atomic.write_text(target / f"{row.student_id}{suffix}", render(row), durable=False)
        _remove_stale(target, suffix, {row.student_id for row in per_student})
        written[directory] = len(per_student)
    return written


def _remove_stale(directory: Path, suffix: str, keep: set[str]) -> None:
    """Files of students no longer graded in this class (renamed, removed, in error)."""
    if not directory.is_dir():
        return
    for path in directory.iterdir():
        if path.suffix == suffix and path.stem not in keep and path.is_file():
            path.unlink(missing_ok=True)


# ----------------------------------------------------------------------------
# feedback/<student_id>.md


def feedback_markdown(course: Course, row: Row) -> str:
    score, maximum = row.score(), row.max_score(course)
    lines = [f"# {_md(course.name)}: feedback for {_md(row.student_id)}", ""]
    lines.append(f"**Score: {number(score)} / {number(maximum)}**"
                 + (f" (graded {row.graded_at})" if row.graded_at else ""))
    lines.append("")
    if row.result is None:
        lines += [f"Your submission could not be graded: {_md(row.reason)}", ""]
    else:
        if row.status == "timeout":
            lines += [f"Grading stopped early: {_md(row.reason)}", ""]
        if any(check.hidden for exercise in row.result.exercises for check in exercise.checks):
            lines += ["Checks marked *hidden* use fresh cases that are not shown; "
                      "the public ones are the ones `rnncourse check` runs.", ""]
        for exercise in row.result.exercises:
            lines += _exercise_feedback(course, exercise)
    if row.quiz is not None:
        lines += [f"## Quiz: {number(row.quiz.score)} / {number(row.quiz.max_score)}", ""]
        if row.quiz.problem:
            lines += [_md(row.quiz.problem), ""]
    return "\n".join(lines).rstrip() + "\n"


def _exercise_feedback(course: Course, exercise) -> list[str]:
    lines = [f"## {_md(exercise.id)}: {_md(exercise.title)} — "
             f"{number(exercise.score)} / {number(exercise.max_score)}", ""]
    if exercise.problem:
        lines += [_md(exercise.problem), ""]
    for check in exercise.checks:
        mark = "✓" if check.passed else "✗"
        hidden = " (hidden check)" if check.hidden else ""
        lines.append(f"- {mark} `{check.id}`{hidden}: "
                     f"{number(check.points)} / {number(check.max_points)}")
        if check.passed:
            continue
        if check.message and check.message != exercise.problem:
            lines.append(f"  {_md(check.message)}")
        for label, text in _details(course, check):  # course texts: Markdown is meant
            shown = f"`{text}`" if label == "Read" else " ".join(text.split())
            lines.append(f"  - {label}: {shown}")
        if _printed(check):
            lines += ["  - Your code printed:", *_fenced(_printed(check), "    ")]
    lines.append("")
    return lines


def _md(text: str) -> str:
    """Text from anywhere (student messages included) as inert Markdown: no links,
    images, HTML or emphasis, on one line."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def _fenced(text: str, indent: str) -> list[str]:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [indent + fence, *(indent + line for line in text.rstrip().splitlines()),
            indent + fence]


# ----------------------------------------------------------------------------
# gradescope/<student_id>.json


def gradescope_results(course: Course, row: Row) -> dict:
    tests = []
    if row.result is None:
        for index, exercise in enumerate(course.exercises, 1):
            tests.append(_test(f"{exercise.id}: not graded", f"{index}.1", 0.0, exercise.points,
                               False, row.reason, "visible", [exercise.id]))
    else:
        for index, exercise in enumerate(row.result.exercises, 1):
            for position, check in enumerate(exercise.checks, 1):
                tests.append(_test(
                    f"{exercise.id}: {check.id}" + (" (hidden)" if check.hidden else ""),
                    f"{index}.{position}", check.points, check.max_points, check.passed,
                    _check_output(course, check), HIDDEN_VISIBILITY if check.hidden else "visible",
                    [exercise.id] + ([check.misconception] if check.misconception else [])))
    if row.quiz is not None:
        tests.append(_test("quiz", f"{len(course.exercises) + 1}.1", row.quiz.score,
                           row.quiz.max_score, row.quiz.score >= row.quiz.max_score,
                           row.quiz.problem, "visible", ["quiz"]))
    summary = f"Score {number(row.score())} / {number(row.max_score(course))}."
    if row.reason:
        summary += f" {row.reason}"
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


def _check_output(course: Course, check) -> str:
    if check.passed:
        return ""
    parts = [check.message, *(f"{label}: {text}" for label, text in _details(course, check))]
    if _printed(check):
        parts.append(f"Your code printed:\n{_printed(check)}")
    return "\n".join(part for part in parts if part)


def _details(course: Course, check) -> list[tuple[str, str]]:
    """What a failing check tells the student beyond its message: texts of the
    course and its checks, never of the student."""
    details = []
    if check.misconception:
        details.append(("Misconception", _misconception(course, check.misconception)))
    if check.hint:
        details.append(("Hint", check.hint))
    if check.notes and (check.misconception or check.hint):
        details.append(("Read", f"rnncourse notes {check.notes}"))
    return details


def _printed(check) -> str:
    """What the student's code printed during a check; never for a hidden check,
    whose inputs the code could have printed."""
    return "" if check.hidden else check.output


def _misconception(course: Course, misconception_id: str) -> str:
    known = course.misconceptions.get(misconception_id)
    return f"{known.title} ({misconception_id})" if known else misconception_id
