"""`rnncourse submit`: pack your hand-in, exactly what `rnncourse grade` reads."""

from __future__ import annotations

from pathlib import Path

import click

DEFAULT_OUT = "submission.zip"


@click.command("submit")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path),
              default=DEFAULT_OUT, show_default=True, metavar="FILE.zip",
              help="The zip to write (name it as your instructor asks, e.g. your student id).")
@click.option("--answers", "answers", type=click.Path(dir_okay=False, path_type=Path),
              metavar="FILE",
              help="Your quiz answers file (default: quiz_answers.toml or quiz_answers.json "
                   "here or in the course folder, if there is one).")
@click.option("--force", is_flag=True,
              help="Overwrite FILE.zip even if it is not an earlier hand-in.")
def command(out: Path, answers: Path | None, force: bool) -> None:
    """Pack your exercise files and quiz answers into FILE.zip for grading.

    \b
    The zip holds exactly what grading reads: every exercise file of
    exercises/ at its top, your quiz answers (quiz_answers.toml: write it
    with `rnncourse quiz --export quiz_answers.toml`), and submission.json,
    which names the course, its release and each file's stub and hash.
    Files you have not touched are packed as they are, and listed: they
    score 0. An earlier hand-in at FILE.zip is replaced.

    Exit code 0 when the zip was written, 2 on bad input.
    """
    from rich.table import Table
    from rich.text import Text

    from rnncourse import edition, untrusted
    from rnncourse.cli.console import console
    from rnncourse.course import manifest as course_module
    from rnncourse.errors import CourseError
    from rnncourse.grading import handin

    if out.suffix.lower() != ".zip":
        raise CourseError(f"--out {out}: the hand-in is a .zip file (name it FILE.zip)")
    if out.exists() and not force and not handin.is_hand_in(out):
        raise CourseError(f"{out}: already exists and is not an earlier hand-in; add --force "
                          "to overwrite it")
    course = course_module.load()
    student_edition = edition.student_edition()
    if student_edition is not None:
        stamp = student_edition.stamp
    else:
        from rnncourse.course.stamp import course_stamp

        stamp = course_stamp(course)
    found = handin.answers_file(course, answers, [Path.cwd(), course.root])
    hand_in = handin.collect(course, found, stamp)
    if not any(item.exercise for item in hand_in.items):
        raise CourseError(f"no exercise file in {course.exercises_dir}: nothing to hand in")
    try:
        handin.write(course, hand_in, out)
    except OSError as error:
        raise CourseError(f"{out}: cannot write ({error.strerror or error})") from None

    table = Table(show_edge=False, box=None, pad_edge=False)
    for column in ("packed", "", "from"):
        table.add_column(column, no_wrap=column != "from", overflow="fold")
    for item in hand_in.items:
        if item.untouched:
            state = Text("untouched stub: scores 0", style="yellow")
        elif item.exercise is None:
            state = Text("quiz answers", style="cyan")
        else:
            state = Text("your work", style="green")
        if item.optional:
            state.append(" (optional)", style="dim")
        table.add_row(item.name, state, untrusted.name(_shown(item.source, course.root)))
    console.print(table)
    if hand_in.untouched:
        names = ", ".join(item.name for item in hand_in.untouched)
        console.print(Text(f"Not started (packed as the stubs they are, 0 points): {names}",
                           style="yellow"))
    if hand_in.missing:
        console.print(Text(f"Not in exercises/ (not handed in): {', '.join(hand_in.missing)}",
                           style="yellow"))
    if hand_in.answers is None:
        console.print(Text("No quiz answers packed: `rnncourse quiz --export quiz_answers.toml` "
                           "writes your answers, then run `rnncourse submit` again.",
                           style="dim"))
    console.print(f"Wrote {out} (release {stamp}). Hand it in as your instructor asks.")


def _shown(path: Path, root: Path) -> str:
    """``path`` relative to the course folder when it lies inside it."""
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)
