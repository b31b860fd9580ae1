"""`rnncourse status`: your last check of each exercise and your quiz scores."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from rich.console import Group

    from rnncourse.course.manifest import Course


@click.command("status")
@click.option("--json", "as_json", is_flag=True,
              help="Print the progress as JSON and nothing else.")
def command(as_json: bool) -> None:
    """Show your progress: the last `rnncourse check` of each exercise and, per
    topic, how many quiz questions your latest answers got right."""
    from rnncourse.cli import progress as status
    from rnncourse.course import manifest as course_module

    course = course_module.load()
    data, problem = status.load(course.root)
    report = {"exercises": exercise_rows(course, data), "quiz": quiz_rows(course, data),
              "last_quiz": (data["quiz"]["sessions"] or [None])[-1]}
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    from rnncourse.cli.console import console

    if problem:
        console.print(f"[yellow]Note:[/] {problem}")
    console.print(view(report))


def exercise_rows(course: Course, data: dict) -> list[dict]:
    rows = []
    for exercise in course.exercises:
        entry = data["exercises"].get(exercise.id)
        row = {"id": exercise.id, "title": exercise.title, "checked": entry is not None}
        if entry is not None:
            row.update({key: entry.get(key) for key in
                        ("score", "max_score", "passed", "checks_passed", "checks", "at")})
            try:
                changed = (course.exercises_dir / exercise.file).stat().st_mtime > entry["at"]
            except (OSError, TypeError, KeyError):
                changed = False
            row["changed_since"] = changed
        rows.append(row)
    return rows


def quiz_rows(course: Course, data: dict) -> list[dict]:
    """Per topic of the bank: questions, how many have an answer recorded, how
    many of those latest answers were right."""
    if course.quiz is None:
        return []
    from rnncourse.course import notes as notes_module
    from rnncourse.quiz import grading as quiz

    notes = notes_module.load(course.notes_dir)
    bank = quiz.load_bank(course)
    answers = data["quiz"]["questions"]
    rows = []
    for topic in notes.topics:
        ids = [question.id for question in bank.questions if question.topic == topic.id]
        if not ids:
            continue
        recorded = [answers[i] for i in ids if isinstance(answers.get(i), dict)]
        rows.append({"id": topic.id, "title": topic.title, "questions": len(ids),
                     "answered": len(recorded),
                     "right": sum(bool(entry.get("correct")) for entry in recorded)})
    return rows


def view(report: dict) -> Group:
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    from rnncourse.cli.views.checks import points

    exercises = Table(show_edge=False, box=None, pad_edge=False)
    for column in ("exercise", "score", "checks", "last checked"):
        exercises.add_column(column, no_wrap=True)
    for row in report["exercises"]:
        if not row["checked"]:
            exercises.add_row(row["id"], Text("not checked yet", style="dim"), "", "")
            continue
        style = "green" if row["passed"] else ""
        when = ago(row["at"]) + (" · edited since" if row.get("changed_since") else "")
        exercises.add_row(row["id"], Text(f"{points(row['score'])} / {points(row['max_score'])}",
                                          style=style),
                          f"{row['checks_passed']} of {row['checks']} pass", when)
    parts = [Text("Exercises", style="bold"), exercises]
    if report["quiz"]:
        quiz = Table(show_edge=False, box=None, pad_edge=False)
        for column in ("topic", "right", "answered"):
            quiz.add_column(column, no_wrap=True)
        for row in report["quiz"]:
            quiz.add_row(row["id"], f"{row['right']} / {row['questions']}",
                         f"{row['answered']} of {row['questions']}")
        parts += [Text(), Text("Quiz (your latest answer to each question)", style="bold"),
                  quiz]
    last = report["last_quiz"]
    if last:
        parts.append(Text(f"\nLast quiz: {points(last['score'])} / {points(last['max_score'])} "
                          f"on {', '.join(last.get('topics', []))}, {ago(last['at'])}.",
                          style="dim"))
    parts.append(Text(next_step(report), style="bold"))
    return Group(*parts)


def next_step(report: dict) -> str:
    for row in report["exercises"]:
        if not row["checked"] or not row["passed"] or row.get("changed_since"):
            return f"\nNext: rnncourse check {row['id']}"
    unanswered = [row for row in report["quiz"] if row["answered"] < row["questions"]]
    weakest = sorted(report["quiz"], key=lambda row: row["right"] / row["questions"])
    if unanswered:
        return f"\nNext: rnncourse quiz {unanswered[0]['id']}"
    if weakest and weakest[0]["right"] < weakest[0]["questions"]:
        return f"\nNext: rnncourse quiz {weakest[0]['id']}"
    return "\nEverything checked and every quiz question answered right."


def ago(moment: float) -> str:
    seconds = max(0.0, time.time() - float(moment))
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            amount = int(seconds // size)
            return f"{amount} {unit}{'s' * (amount != 1)} ago"
    return "just now"
