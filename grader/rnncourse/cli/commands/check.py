"""`rnncourse check`: run the checks on the student's exercise files."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import click

from rnncourse.sandbox import forkserver


@click.command("check")
@click.argument("exercises", nargs=-1, metavar="[EXERCISE]...")
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path),
              help="Folder holding the exercise files (default: the course's exercises/).")
@click.option("--json", "as_json", is_flag=True,
              help="Print the results as JSON and nothing else (the format: "
                   "docs/student-guide.md, section 'The check --json output').")
@click.option("--hidden", is_flag=True,
              help="Also run the hidden checks (fresh random cases; instructors).")
@click.option("-v", "--verbose", is_flag=True,
              help="Show every check, also of exercises that pass or are not started.")
@click.pass_context
def command(ctx: click.Context, exercises: tuple[str, ...], directory: Path | None,
            as_json: bool, hidden: bool, verbose: bool) -> None:
    """Check EXERCISE (default: all of them) and show what passes.

    Exit code 0 when every check passes, 1 when some fail, 2 on bad input.
    """
    forkserver.warm_up()  # the student-process server boots numpy while we import ours
    from rnncourse import edition
    from rnncourse.checking import engine
    from rnncourse.course import manifest as course_module

    student_edition = edition.student_edition()
    if hidden and student_edition is not None:
        from rnncourse.cli.errors import InputError

        raise InputError(edition.refusal("`rnncourse check --hidden`"))
    course = course_module.load()
    selected = course.select(exercises)
    folder = course.exercises_dir if directory is None else directory
    if not folder.is_dir():
        raise click.BadParameter(f"directory '{folder}' does not exist", param_hint="--dir")
    if as_json:
        result = engine.run(course, selected, folder, include_hidden=hidden)
        data = result.to_dict()
        data["edition"] = "full" if student_edition is None else "student"
        data["release"] = None if student_edition is None else student_edition.stamp
        click.echo(json.dumps(data, indent=2))
    else:
        # rich loads while the checks run: the judge mostly waits on student processes
        running = engine.Background(engine.run, course, selected, folder,
                                    include_hidden=hidden)
        from rnncourse.cli.console import console
        from rnncourse.cli.views.checks import course_view

        spinner = console.status("Checking…", spinner="dots") if console.is_terminal \
            else contextlib.nullcontext()
        with spinner:
            result = running.result()
        heading = (f"{course.name} {course.version}, the instructor's full course"
                   if student_edition is None else
                   f"{course.name}, student edition, release {student_edition.stamp}")
        course_view(console, result, verbose, heading)
    from rnncourse.cli import progress as status

    status.record_check(course, folder, result)  # for `rnncourse status`; only exercises/
    ctx.exit(0 if result.passed else 1)
