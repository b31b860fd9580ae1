"""`rnncourse grade`: grade a class of submissions into a gradebook and reports."""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from pathlib import Path

import click

DEFAULT_TIMEOUT = 60.0
MAX_LISTED = 10
UNGRADED = ("invalid", "error", "pending")  # statuses that make the exit code 1


@click.command("grade")
@click.argument("submissions", type=click.Path(path_type=Path), required=False)
@click.option("--out", "out", type=click.Path(path_type=Path), metavar="DIR",
              help="Folder for the gradebook and the reports (created if needed).")
@click.option("--jobs", type=click.IntRange(min=1), metavar="N",
              help="Students graded at once (default: the number of CPUs).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=DEFAULT_TIMEOUT,
              show_default=True, metavar="S", help="Wall-clock seconds allowed per student.")
@click.option("--force", is_flag=True,
              help="Grade every student again, even those unchanged since the last run.")
@click.option("--replay", nargs=2, metavar="STUDENT CHECK_ID", default=None,
              help="Grade nothing: run one recorded check of one student of DIR's gradebook "
                   "again, on the same files and cases, and show its inputs, the expected "
                   "and the actual outputs.")
@click.pass_context
def command(ctx: click.Context, submissions: Path | None, out: Path | None, jobs: int | None,
            timeout: float, force: bool, replay: tuple[str, str] | None) -> None:
    """Grade every student in SUBMISSIONS (one folder or .zip per student,
    named by student id) with the public and hidden checks.

    \b
    Writes into DIR:
      gradebook.sqlite        every grading, committed as each student finishes
      grades.csv              one row per student
      report.html             the class report (works offline)
      feedback/<id>.md        what each student gets to see
      gradescope/<id>.json    Gradescope's results.json format

    Running it again grades only the students who are new, whose files changed,
    or whose grading failed; --force grades everyone again. Ctrl-C stops
    cleanly and keeps every student finished so far.

    `rnncourse grade --replay STUDENT CHECK_ID --out DIR` runs one check of one
    graded student again (the files and the hidden cases of that grading)
    and shows every call it made: inputs, expected and actual outputs.

    Exit code 0 when every student was graded, 1 when some were not (invalid,
    error or pending: see the status column), 2 on bad input, 130 when
    interrupted. With --replay: 0 when the replay agrees with the recorded
    result, 1 when it does not.
    """
    from rnncourse.cli.console import console
    from rnncourse.cli.errors import InputError
    from rnncourse.course import manifest as course_module
    from rnncourse.grading import orchestrator as grading
    from rnncourse.grading.pool import JudgeStartError

    if out is None:
        raise InputError("--out DIR is required: the folder for the gradebook and the reports")
    course = course_module.load()
    if replay is not None:
        if submissions is not None or force:
            raise InputError("--replay STUDENT CHECK_ID takes only --out DIR (no SUBMISSIONS, "
                             "no --force)")
        from rnncourse.cli.views.replay import show_replay
        from rnncourse.grading.replay import replay as run_replay

        done = run_replay(course, out, *replay)
        show_replay(console, done)
        ctx.exit(0 if done.same else 1)
    if submissions is None:
        raise InputError("SUBMISSIONS is required: the folder with one folder or .zip per "
                         "student")
    options = grading.Options(submissions, out, jobs or _cpus(), timeout, force)
    started = time.monotonic()
    try:
        with _Interrupts() as interrupts, _Bar(console) as bar:
            outcome = grading.grade_class(course, options, bar, interrupts.requested)
    except JudgeStartError as error:
        raise click.ClickException(f"{error}; the gradebook and reports keep what was "
                                   "graded") from None
    except sqlite3.Error as error:  # a full disk, say: everything committed is kept
        raise click.ClickException(f"the gradebook in '{out}' could not be written ({error}); "
                                   "the students graded before are kept") from None
    if outcome.secret_created:
        from rnncourse.course import secret as seeds

        console.print(_plain_text(seeds.created_message(course)))
    _summary(console, course, options, outcome, time.monotonic() - started)
    if outcome.interrupted:
        ctx.exit(130)
    ctx.exit(1 if any(row.status in UNGRADED for row in outcome.rows) else 0)


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


class _Interrupts:
    """Ctrl-C (or SIGTERM) asks the run to stop after the students in hand are
    dropped; a second Ctrl-C stops at once."""

    def __init__(self) -> None:
        self.count = 0
        self._previous: dict = {}

    def requested(self) -> bool:
        return self.count > 0

    def _handle(self, signum, frame) -> None:
        self.count += 1
        if self.count > 1:
            raise KeyboardInterrupt

    def __enter__(self) -> _Interrupts:
        for number in (signal.SIGINT, signal.SIGTERM):
            try:
                self._previous[number] = signal.signal(number, self._handle)
            except ValueError:  # not the main thread: leave signals alone
                pass
        return self

    def __exit__(self, *exc) -> None:
        for number, handler in self._previous.items():
            signal.signal(number, handler)


class _Bar:
    """The rich progress bar over the students being graded."""

    def __init__(self, console) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._progress = Progress(
            TextColumn("[bold]Grading[/]"), BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), TimeRemainingColumn(), TextColumn("{task.description}"),
            console=console, transient=True)
        self._task = None

    def start(self, total: int) -> None:
        if total:
            self._progress.start()
            self._task = self._progress.add_task("", total=total)

    def advance(self, grading) -> None:
        if self._task is not None:
            self._progress.update(self._task, advance=1, description=_plain(grading.student_id))

    def finish(self) -> None:
        self._progress.stop()

    def __enter__(self) -> _Bar:
        return self

    def __exit__(self, *exc) -> None:
        self._progress.stop()


def _summary(console, course, options, outcome, seconds: float) -> None:
    from rich.text import Text

    rows = outcome.rows
    for run in outcome.unfinished:
        console.print(f"Note: an earlier run (started {run.started_at}) stopped before its end; "
                      "the students it finished were kept.")
    if outcome.ignored:
        names = ", ".join(_plain(name) for name in outcome.ignored[:10])
        more = f" and {len(outcome.ignored) - 10} more" if len(outcome.ignored) > 10 else ""
        console.print(Text(f"Ignored in SUBMISSIONS (hidden, or neither a folder nor a .zip "
                           f"file): {names}{more}"))
    kept = len(outcome.plan.reused)
    line = f"Graded {outcome.graded} student(s) in {seconds:.1f} s"
    if kept:
        line += f"; {kept} unchanged since their last grading were kept"
    console.print(line + ("" if options.force or not kept else " (--force grades them again)")
                  + ".")
    troubled = [row for row in rows if row.status in ("invalid", "error", "timeout")]
    for row in troubled[:MAX_LISTED]:
        text = Text(f"  {row.status:8} ", style="red" if row.status != "timeout" else "yellow")
        text.append(f"{_plain(row.student_id)}: {_plain(row.reason)}")
        console.print(text)
    if len(troubled) > MAX_LISTED:
        console.print(f"  … and {len(troubled) - MAX_LISTED} more (see the status column of "
                      "grades.csv)")
    left = sum(1 for row in rows if row.status in ("error", "pending"))
    if left and not outcome.interrupted:
        console.print(f"[red]{left} student(s) are not graded[/] (status error or pending): "
                      "run the same command again to grade them.")
    flagged = [row for row in rows if row.notes]
    if flagged:
        console.print(f"[yellow]{len(flagged)} submission(s) were handed in differently[/] "
                      "(graded as noted here, in the notes column of grades.csv and at the "
                      "top of the report):")
    for row in flagged[:MAX_LISTED]:
        text = Text("  notes    ", style="yellow")
        text.append(f"{_plain(row.student_id)}: {_plain('; '.join(row.notes))}")
        console.print(text)
    if len(flagged) > MAX_LISTED:
        console.print(f"  … and {len(flagged) - MAX_LISTED} more (see the notes column of "
                      "grades.csv)")
    from rnncourse.reports import classreport

    mean = classreport.class_mean(course, rows)
    if mean is not None:
        invalid = sum(1 for row in rows if row.status == "invalid")
        console.print(f"Class mean {mean:.1f}% over {len(classreport.counted(rows))} graded "
                      "student(s)" + (f" ({invalid} invalid left out)" if invalid else "")
                      + ", extra credit not counted.")
    for note in outcome.notes:
        console.print(Text(_plain(note), style="yellow" if "MISSING" in note else "dim"))
    written = outcome.written
    console.print(Text(
        f"Wrote {', '.join(str(path) for path in written['report'])}, "
        f"{written['feedback']} feedback and {written['gradescope']} Gradescope file(s); "
        f"gradebook {options.out / 'gradebook.sqlite'}"))
    if outcome.interrupted:
        pending = sum(1 for row in rows if row.status == "pending")
        console.print(f"[yellow]Interrupted:[/] everything finished is saved; {pending} "
                      "student(s) still pending. Run the same command again to grade them.")


def _plain_text(text: str):
    from rich.text import Text

    return Text(text)


def _plain(text: str) -> str:
    """Student-made text for the terminal: one line, no control characters or
    escapes (rnncourse.untrusted)."""
    from rnncourse import untrusted

    return untrusted.line(text, untrusted.MAX_TEXT)
