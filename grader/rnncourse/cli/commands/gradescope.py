"""`rnncourse gradescope`: the Gradescope autograder (instructors)."""

from __future__ import annotations

from pathlib import Path

import click


@click.group("gradescope")
def command() -> None:
    """Grade on Gradescope: build the autograder zip to upload (instructors)."""


@command.command("build")
@click.argument("out", type=click.Path(path_type=Path), metavar="OUT.zip")
@click.option("--no-self-test", "no_self_test", is_flag=True,
              help="Write the zip without setting it up and grading three submissions "
                   "with it first.")
@click.pass_context
def build_command(ctx: click.Context, out: Path, no_self_test: bool) -> None:
    """Write Gradescope's autograder zip to OUT.zip.

    \b
    The zip holds setup.sh (a venv, the pinned requirements, a wheel of this
    course's package), run_autograder (grades one submission with the same
    judges and strict student processes as class grading, and writes
    results.json), requirements.txt and the course's files, its course
    secret included: upload it as the assignment's autograder, never to
    students.

    Before OUT.zip is written, the self-test unpacks it into a temporary
    AUTOGRADER_ROOT, runs setup.sh, then run_autograder on the solutions, the
    stubs and one known mistake: they must score full marks, 0 and less than
    full marks. Without --no-self-test that takes a minute or two.

    Exit code 0 when the zip is written, 1 when the self-test fails (nothing
    written), 2 on bad input.
    """
    from rnncourse.cli.console import console
    from rnncourse.course import manifest as course_module
    from rnncourse.course import secret as seeds
    from rnncourse.gradescope import build

    course = course_module.load()
    try:
        with _Bar(console) as bar:
            built = build.build(course, out, not no_self_test, bar)
    except build.BuildFailed as failure:
        for line in failure.details:
            console.print(f"  {_escape(line)}", soft_wrap=True)
        console.print(f"[red]Build failed:[/] {_escape(failure.summary)}")
        ctx.exit(1)
    if built.secret_created:
        console.print(_escape(seeds.created_message(course)))
    console.print(f"Wrote the Gradescope autograder {_escape(str(built.path))} "
                  f"({built.files} files, {built.size / 1024:.0f} KB, course "
                  f"{built.stamp}) in {built.seconds:.0f} s.")
    if built.selftest:
        console.print("Self-test: " + "; ".join(_escape(outcome.line())
                                                 for outcome in built.selftest) + ".")
    else:
        console.print("[yellow]Not self-tested[/] (--no-self-test).")
    console.print(f"Upload it on Gradescope (Configure Autograder), and set the autograder's "
                  f"memory to at least 768 MB; student processes get {course.gradescope.memory_mb}"
                  f" MB each, a submission {course.gradescope.timeout:g} s.")


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


class _Bar:
    """A rich progress bar per stage of the build."""

    def __init__(self, console) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self._progress = Progress(TextColumn("{task.description}"), BarColumn(),
                                  MofNCompleteColumn(), console=console, transient=True)
        self._task = None

    def stage(self, description: str, total: int | None = None) -> None:
        if self._task is None:
            self._progress.start()
        else:
            self._progress.update(self._task, visible=False)
        self._task = self._progress.add_task(description, total=total)

    def advance(self) -> None:
        if self._task is not None:
            self._progress.update(self._task, advance=1)

    def __enter__(self) -> _Bar:
        return self

    def __exit__(self, *exc) -> None:
        self._progress.stop()
