"""`rnncourse quiz`: concept questions drawn from the notes, asked or graded."""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from rnncourse.course.manifest import Course
    from rnncourse.course.notes import Notes
    from rnncourse.quiz.bank import Bank, Question

DEFAULT_COUNT = 10
FILE = click.Path(dir_okay=False, path_type=Path)


@click.command("quiz")
@click.argument("topics", nargs=-1, metavar="[TOPIC]...")
@click.option("-n", "count", type=click.IntRange(min=1),
              help=f"How many questions to ask (default {DEFAULT_COUNT}).")
@click.option("--seed", type=int, help="Seed for picking and shuffling: repeat a quiz exactly.")
@click.option("--answers", "answers_file", type=FILE,
              help="Grade this answers file (.toml or .json) instead of asking.")
@click.option("--json", "as_json", is_flag=True,
              help="With --answers or --list: print JSON and nothing else.")
@click.option("--key", "key_file", type=FILE,
              help="Write the answer key, in the answers-file format (instructors).")
@click.option("--template", "template_file", type=FILE,
              help="Write an answers file to fill in by hand, questions as comments.")
@click.option("--lock", "lock_file", type=FILE,
              help="Write a locked copy of the bank for students (instructors).")
@click.option("--export", "export_file", type=FILE,
              help="Write your latest answer to each question as an answers file "
                   "(quiz_answers.toml is the one `rnncourse submit` hands in).")
@click.option("--list", "list_topics", is_flag=True, help="List the topics and their questions.")
@click.option("--force", is_flag=True,
              help="Let --key, --template, --lock or --export overwrite a file.")
@click.pass_context
def command(ctx: click.Context, topics: tuple[str, ...], count: int | None, seed: int | None,
            answers_file: Path | None, as_json: bool, key_file: Path | None,
            template_file: Path | None, lock_file: Path | None, export_file: Path | None,
            list_topics: bool, force: bool) -> None:
    """Quiz yourself on TOPIC (a topic such as `lstm` or a section such as
    `lstm.gradient-flow`; default: everything).

    \b
    Answer by letter or number; several letters for select-all questions;
    ? shows the answer; Ctrl-D stops and scores what you answered.

    \b
    To hand in your answers: rnncourse quiz --export quiz_answers.toml
    (your latest answer to each question), then rnncourse submit.

    Exit code 0 when every answer is right, 1 when some are wrong or
    unanswered, 2 on bad input, 130 when interrupted.
    """
    modes = {"--list": list_topics, "--answers": answers_file, "--key": key_file,
             "--template": template_file, "--lock": lock_file, "--export": export_file}
    chosen = [name for name, value in modes.items() if value]
    if len(chosen) > 1:
        raise click.UsageError(f"use one of {', '.join(chosen)} at a time")
    mode = chosen[0] if chosen else "ask"
    if as_json and mode not in ("--list", "--answers"):
        raise click.UsageError("--json goes with --answers or --list")
    if mode != "ask" and (count is not None or seed is not None):
        raise click.UsageError(f"-n and --seed only apply to an interactive quiz, not {mode}")
    if force and mode not in ("--key", "--template", "--lock", "--export"):
        raise click.UsageError("--force goes with --key, --template, --lock or --export")

    from rnncourse import edition
    from rnncourse.course import manifest as course_module
    from rnncourse.course import notes as notes_module
    from rnncourse.quiz import grading as quiz

    if mode in ("--key", "--lock") and edition.student_edition() is not None:
        from rnncourse.cli.errors import InputError

        raise InputError(edition.refusal(f"`rnncourse quiz {mode}`"))
    course = course_module.load()
    notes = notes_module.load(course.notes_dir)
    bank = quiz.load_bank(course)
    questions = quiz.select(bank, notes, topics)
    if mode in ("--template", "--export") and not topics:
        questions = quiz.graded_questions(course, bank)  # what the graded quiz holds
    # at most one option was given (checked above); a file option is tested itself,
    # so that the file is known to be set
    if mode == "--list":
        show_topics(bank, notes, questions, as_json)
    elif answers_file is not None:
        ctx.exit(grade_file(course, bank, questions, answers_file, as_json))
    elif key_file is not None:
        write_new(key_file, force, lambda: quiz.write_answers(
            key_file, quiz.answer_key(bank, questions),
            header="rnncourse quiz answer key: grade a file with rnncourse quiz --answers FILE"))
    elif template_file is not None:
        if template_file.suffix.lower() != ".toml":
            raise click.BadParameter("a template holds comments, so it must be a .toml file",
                                     param_hint="--template")
        write_new(template_file, force, lambda: _write_text(template_file,
                                                            quiz.template_text(questions)))
    elif lock_file is not None:
        lock(bank, lock_file, force, topics)
    elif export_file is not None:
        export(course, bank, questions, export_file, force)
    else:
        ctx.exit(ask(course, bank, questions, count or DEFAULT_COUNT, seed))


def show_topics(bank: Bank, notes: Notes, questions: list[Question],
                as_json: bool) -> None:
    rows = []
    for topic in notes.topics:
        mine = [question for question in questions if question.topic == topic.id]
        if not mine:
            continue
        difficulty = Counter(question.difficulty for question in mine)
        rows.append({
            "id": topic.id, "title": topic.title, "questions": len(mine),
            "difficulty": {level: difficulty[level] for level in ("easy", "medium", "hard")},
            "kinds": dict(Counter(question.kind for question in mine)),
        })
    if as_json:
        click.echo(json.dumps({"topics": rows, "total": len(questions),
                               "locked": bank.locked}, indent=2))
        return
    from rnncourse.cli.console import console
    from rnncourse.cli.views.quiz import topics_view

    console.print(topics_view(rows))
    console.print(f"\n{len(questions)} questions. Take a quiz: rnncourse quiz [TOPIC ...]",
                  style="dim")


def grade_file(course: Course, bank: Bank, questions: list[Question], path: Path,
               as_json: bool) -> int:
    from rnncourse.cli import progress as status
    from rnncourse.quiz import grading as quiz

    result = quiz.grade_answers(bank, quiz.read_answers(path), questions)
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
    else:
        from rnncourse.cli.console import console
        from rnncourse.cli.views.quiz import answers_view

        console.print(answers_view(result, bank))
    answered = [(e.id, e.topic, e.correct, e.given) for e in result.questions if e.answered]
    if answered:
        status.record_answers(course.root, answered, {
            "mode": "answers", "score": result.score, "max_score": result.max_score,
            "questions": len(result.questions),
            "topics": sorted({e.topic for e in result.questions}),
        })
    return 0 if result.passed and not result.unknown else 1


def ask(course: Course, bank: Bank, questions: list[Question], count: int,
        seed: int | None) -> int:
    from rnncourse.cli import progress as status
    from rnncourse.cli.console import console
    from rnncourse.cli.views.quiz import TerminalScreen, summary_view
    from rnncourse.quiz.bank import format_answer
    from rnncourse.quiz.session import Session, plan

    if seed is None:
        seed = random.SystemRandom().randrange(10_000)
    asked = plan(questions, count, seed)
    topics = sorted({item.question.topic for item in asked})
    console.print(f"[bold]Quiz:[/] {len(asked)} question{'s' * (len(asked) != 1)} on "
                  f"{', '.join(topics)}  [dim](--seed {seed} repeats it)[/]")
    session = Session(
        bank=bank, asked=asked, screen=TerminalScreen(console, bank),
        record=lambda q, response, correct: status.record_answer(
            course.root, q.id, q.topic, correct,
            None if response is None else format_answer(q, response)),
    )
    interrupted = False
    try:
        session.run()
    except KeyboardInterrupt:
        interrupted = True
        console.print("\n[yellow]Interrupted.[/] Your answers so far are saved.")
    console.print(summary_view(session.results, len(asked)))
    if session.results:
        right = sum(q.points for q, correct in session.results if correct)
        status.record_answers(course.root, [], {
            "mode": "interactive", "score": right,
            "max_score": sum(q.points for q, _ in session.results),
            "questions": len(session.results), "asked": len(asked), "topics": topics,
            "finished": session.finished, "seed": seed,
        })
    if interrupted:
        return 130
    all_right = session.finished and all(correct for _, correct in session.results)
    return 0 if all_right else 1


def lock(bank: Bank, out: Path, force: bool, topics: tuple[str, ...]) -> None:
    from rnncourse.errors import CourseError
    from rnncourse.quiz.bank import locked_text

    if topics:
        raise click.UsageError("--lock locks the whole bank; give no TOPIC")
    if out.resolve() == bank.path.resolve():
        raise CourseError(f"{out}: --lock would overwrite the bank it reads; choose another file")
    text = locked_text(bank)
    write_new(out, force, lambda: _write_text(out, text))


def export(course: Course, bank: Bank, questions: list[Question], out: Path,
           force: bool) -> None:
    """Write the latest recorded answer to each of ``questions`` as an answers file."""
    from rnncourse.cli import progress as status
    from rnncourse.cli.console import console
    from rnncourse.quiz import grading as quiz

    data, problem = status.load(course.root)
    if problem:
        console.print(f"[yellow]Note:[/] {problem}")
    recorded = data["quiz"]["questions"]
    answers: dict[str, object] = {}
    right = older = 0
    for question in questions:
        entry = recorded.get(question.id)
        if not isinstance(entry, dict):
            continue
        if entry.get("given") in (None, "", []):
            older += "given" not in entry  # recorded before answers were kept
            continue
        answers[question.id] = entry["given"]
        right += bool(entry.get("correct"))
    if not answers:
        raise click.ClickException("no answers recorded yet: take the quiz first "
                                   "(rnncourse quiz), then export")
    header = (f"Your latest answers to the rnncourse quiz, written by rnncourse quiz --export.\n"
              f"Grade it with: rnncourse quiz --answers {out.name}\n"
              "Hand it in with your exercises: rnncourse submit")
    write_new(out, force, lambda: quiz.write_answers(out, answers, header=header))
    missing = len(questions) - len(answers)
    console.print(f"{len(answers)} of {len(questions)} questions answered "
                  f"({right} of them right)"
                  + (f"; {missing} without an answer" if missing else "") + ".")
    if older:
        console.print(f"[yellow]{older} question(s) were answered with an older rnncourse, "
                      "which kept only right or wrong:[/] answer them again to export them.")


def write_new(path: Path, force: bool, write: Callable[[], None]) -> None:
    """Run ``write`` (which writes ``path`` atomically), refusing to replace a file
    without --force; a missing folder is made; a problem writing becomes a
    one-line error."""
    from rnncourse.cli.console import console
    from rnncourse.errors import CourseError

    if path.exists() and not force:
        raise CourseError(f"{path}: already exists; add --force to overwrite it")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise CourseError(f"{path.parent}: cannot make the folder "
                          f"({error.strerror or error})") from None
    try:
        write()
    except OSError as error:
        raise CourseError(f"{path}: cannot write ({error.strerror or error})") from None
    console.print(f"wrote {path}")


def _write_text(path: Path, text: str) -> None:
    from rnncourse import atomic

    atomic.write_text(path, text)
