"""The `rnncourse` command line.

Commands live in rnncourse.cli.commands.<name> and are imported only when used, so
that `rnncourse check` — run dozens of times an hour — starts fast.
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from rnncourse import __version__, edition
from rnncourse.cli.errors import InputError
from rnncourse.errors import CourseError

COMMANDS = {
    "check": "Check your exercise files and show what passes.",
    "build": "Regenerate exercises/ from solutions/ (course authors).",
    "notes": "Read the course notes: contents, a topic, or a section.",
    "quiz": "Quiz yourself on the notes, or grade a file of answers.",
    "status": "Your progress: last check per exercise, quiz scores per topic.",
    "submit": "Pack your exercise files and quiz answers into a zip to hand in.",
    "grade": "Grade a class of submissions into a gradebook and reports (instructors).",
    "nbgrader": "Run the course through nbgrader: generate it, report from its gradebook.",
    "lab": "Labs with your own cells: vanishing gradients, the adding problem.",
    "release": "Write the student edition of the course, self-tested and audited (instructors).",
    "gradescope": "Build the Gradescope autograder zip, self-tested (instructors).",
}
# What a student edition refuses: it has no solutions, hidden checks or plain bank.
INSTRUCTOR_COMMANDS = ("build", "grade", "nbgrader", "release", "gradescope")


def _student_edition() -> bool:
    return edition.student_edition() is not None


def _refusing(name: str) -> click.Command:
    """A command that only says, in one line, that the student edition refuses it."""

    def refuse() -> None:
        raise InputError(edition.refusal(f"`rnncourse {name}`"))

    return click.Command(name, callback=refuse, add_help_option=False,
                         help=f"Not in the student edition: `rnncourse {name}` is for instructors.",
                         context_settings={"ignore_unknown_options": True,
                                           "allow_extra_args": True})


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        if _student_edition():
            return [name for name in COMMANDS if name not in INSTRUCTOR_COMMANDS]
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        if name in INSTRUCTOR_COMMANDS and _student_edition():
            return _refusing(name)
        return importlib.import_module(f"rnncourse.cli.commands.{name}").command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, COMMANDS[name]) for name in self.list_commands(ctx)])

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except CourseError as error:
            raise InputError(str(error)) from None
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            raise click.exceptions.Exit(130) from None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="rnncourse")
def cli() -> None:
    """rnncourse: exercises and quizzes on why recurrent networks lose their
    gradients, and how LSTM and GRU cells keep them.

    \b
    Student loop:
      rnncourse check              check every exercise in exercises/
      rnncourse check lstm         check one exercise
      rnncourse notes              the course notes' table of contents
      rnncourse quiz lstm          ten questions on the LSTM
      rnncourse status             what is done and what is next
      rnncourse lab vanishing      watch the gradient fade in your cells
      rnncourse submit             pack your files into submission.zip
    """


def main() -> None:
    """Console-script entry point: a bug still ends in one clear line."""
    try:
        cli(prog_name="rnncourse")
    except Exception as error:  # noqa: BLE001
        if os.environ.get("RNNCOURSE_DEBUG"):
            raise
        click.echo(f"Internal error: {type(error).__name__}: {error} "
                   "(set RNNCOURSE_DEBUG=1 for the traceback)", err=True)
        sys.exit(3)
