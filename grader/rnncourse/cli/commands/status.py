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
    """Show your progress: the last `rnncourse check` of each exercise (its public
    checks; with --hidden, instructors, apart) and, per topic, how many quiz
    questions your latest answers got right."""
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
    """Per exercise: the last check with the public checks only (what `rnncourse
    check` runs) and the last one with the hidden checks too (`check --hidden`,
    instructors), apart: their scores are out of different maxima."""
    from rnncourse.cli import progress as status

    rows = []
    for exercise in course.exercises:
        entries = data["exercises"].get(exercise.id, {})
        row: dict = {"id": exercise.id, "title": exercise.title, "points": exercise.points,
                     "optional": exercise.optional}
        for kind in (status.PUBLIC, status.HIDDEN):
            entry = entries.get(kind)
            row[kind] = None if not isinstance(entry, dict) else {
                key: entry.get(key) for key in
                ("score", "max_score", "passed", "checks_passed", "checks", "at")}
        runs = [row[kind] for kind in (status.PUBLIC, status.HIDDEN) if row[kind]]
        row["checked"] = bool(runs)
        if runs:
            last = max(float(run.get("at") or 0) for run in runs)
            try:
                row["changed_since"] = (course.exercises_dir / exercise.file).stat().st_mtime > last
            except OSError:
                row["changed_since"] = False
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

    hidden_run = any(row["hidden"] for row in report["exercises"])
    exercises = Table(show_edge=False, box=None, pad_edge=False)
    columns = ["exercise", "public checks"] + (["all checks"] if hidden_run else [])
    for column in [*columns, "worth", "pass"]:
        exercises.add_column(column, no_wrap=True)
    exercises.add_column("last checked")
    for row in report["exercises"]:
        worth = points(row["points"]) + (" extra" if row.get("optional") else "")
        if not row["checked"]:
            exercises.add_row(row["id"], Text("not checked yet", style="dim"),
                              *([""] if hidden_run else []), worth, "", "")
            continue
        cells = [_score(row["public"])]
        if hidden_run:
            cells.append(_score(row["hidden"]))
        latest = max((run for run in (row["public"], row["hidden"]) if run),
                     key=lambda run: float(run.get("at") or 0))
        when = ago(latest["at"]) + (" · edited since" if row.get("changed_since") else "")
        exercises.add_row(row["id"], *cells, worth,
                          f"{latest['checks_passed']}/{latest['checks']}", when)
    parts = [Text("Exercises", style="bold"), exercises,
             Text("Public checks: what `rnncourse check` runs, out of their share of the "
                  "exercise's points; the hidden checks (fresh random cases) score the rest "
                  "when your work is graded"
                  + ("; all checks: `rnncourse check --hidden`." if hidden_run else "."),
                  style="dim")]
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


def _score(run: dict | None):
    from rich.text import Text

    from rnncourse.cli.views.checks import points

    if not run:
        return Text("not run", style="dim")
    return Text(f"{points(run['score'])} / {points(run['max_score'])}",
                style="green" if run.get("passed") else "")


def next_step(report: dict) -> str:
    for row in report["exercises"]:
        passed = any(run and run.get("passed") for run in (row["public"], row["hidden"]))
        if not row.get("optional") and (not row["checked"] or not passed
                                        or row.get("changed_since")):
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
