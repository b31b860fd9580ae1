"""The quiz part of ``feedback/<student_id>.md``: the score, and a table with
each graded question: right, wrong or unanswered, what the student answered,
the right answer once course.toml's [quiz] ``answers_after`` has passed, and
the notes section to read for each one not answered right.

Built from QuizScore.detail (quiz/grading.py's QuizResult.to_dict(), stored with
the grading); the answers given are the student's text and go through
markdown.inert like every other string.
"""

from __future__ import annotations

import datetime

from rnncourse.course.manifest import Course
from rnncourse.reports.classreport import number
from rnncourse.reports.markdown import inert as inline
from rnncourse.results import QuizScore


def quiz_feedback(course: Course, quiz: QuizScore,
                  now: datetime.datetime | None = None) -> list[str]:
    counted = "" if quiz.counted else " (reported, not counted in your score)"
    lines = [f"## Quiz: {number(quiz.score)} / {number(quiz.max_score)}{counted}", ""]
    if quiz.problem:
        lines += [inline(quiz.problem), ""]
    questions = [entry for entry in quiz.detail.get("questions", []) if isinstance(entry, dict)]
    if not questions:
        return lines
    config = course.quiz
    shown = config is not None and config.answers_shown(now)
    right = sum(bool(entry.get("correct")) for entry in questions)
    lines += [f"{right} of {len(questions)} questions right.", ""]
    head = ["question", "result", "your answer"] + (["right answer"] if shown else []) + ["read"]
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for entry in questions:
        cells = [f"`{inline(str(entry.get('id', '')))}`", _verdict(entry),
                 _answer(entry.get("given"))]
        if shown:
            cells.append(_answer(entry.get("answer")) if entry.get("answer") is not None
                         else "(not stored)")
        section = str(entry.get("section", ""))
        cells.append("" if entry.get("correct") or not section
                     else f"`rnncourse notes {inline(section)}`")
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    if config is not None and config.answers_after is not None and not shown:
        lines += [f"The right answers are shown here after {config.answers_after:%Y-%m-%d %H:%M %Z}"
                  .rstrip() + ".", ""]
    return lines


def _verdict(entry: dict) -> str:
    if entry.get("correct"):
        return "✓ right"
    if not entry.get("answered"):
        return "· unanswered"
    problem = entry.get("problem")
    return f"✗ could not be read ({inline(str(problem))})" if problem else "✗ wrong"


def _answer(value: object) -> str:
    """An answer as answers files write it: "b", a, c, true, 0.25."""
    if value is None or value == "" or value == []:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return inline(", ".join(str(item) for item in value))
    if isinstance(value, float):
        return f"{value:g}"
    return inline(str(value))
