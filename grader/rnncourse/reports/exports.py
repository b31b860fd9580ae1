"""Write every per-class and per-student file from the one result model:
grades.csv and report.html (classreport), feedback/<id>.md (feedback) and
gradescope/<id>.json (gradescope)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from rnncourse import atomic
from rnncourse.course.manifest import Course
from rnncourse.course.stamp import course_stamp
from rnncourse.reports import classreport
from rnncourse.reports.feedback import feedback_markdown
from rnncourse.reports.gradescope import gradescope_results
from rnncourse.results import Row, valid_student_id

FEEDBACK_DIR = "feedback"
GRADESCOPE_DIR = "gradescope"


def write(folder: Path, course: Course, rows: list[Row], notes: Sequence[str] = ()) -> dict:
    """Write grades.csv, report.html and the per-student files; return what was
    written as {"report": [paths], "feedback": count, "gradescope": count}."""
    written: dict[str, list[Path] | int] = {
        "report": classreport.write(folder, course, rows, notes)}
    per_student = [row for row in rows if row.scored and valid_student_id(row.student_id)]
    stamp = course_stamp(course)
    for directory, suffix, render in (
        (FEEDBACK_DIR, ".md", lambda row: feedback_markdown(course, row)),
        (GRADESCOPE_DIR, ".json",
         lambda row: json.dumps(gradescope_results(course, row, stamp=stamp)) + "\n"),
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
