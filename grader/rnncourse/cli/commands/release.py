"""`rnncourse release`: write the student edition of the course, or audit a folder."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("release")
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True,
              help="Replace OUT when it holds an earlier release (never any other folder).")
@click.option("--audit", "audit_only", is_flag=True,
              help="Write nothing: audit the folder OUT (any folder) for anything secret.")
@click.pass_context
def command(ctx: click.Context, out: Path, force: bool, audit_only: bool) -> None:
    """Write the student edition of the course to OUT (instructors).

    \b
    OUT gets: README.md (one set-up command), pyproject.toml, course.toml,
    exercises/ (the stubs), notes/, quiz/bank.toml (locked), docs/, and the
    package without solutions, hidden checks or known mistakes; the public
    checks use the reference's answers recorded on their fixed inputs.

    Before OUT is written, the edition checks the solutions, the stubs and
    every known mistake exactly as the full course does (or the release fails,
    naming the check), and an audit scans every file it wrote for solution
    lines, hidden checks, mistakes, quiz answers and this course's path.
    OUT is written whole or not at all.

    Exit code 0 when the edition is written (or, with --audit, the folder is
    clean), 1 when the self-test or the audit fails (nothing written), 2 on
    bad input.
    """
    from rnncourse.cli.console import console
    from rnncourse.course import manifest as course_module
    from rnncourse.release import build

    course = course_module.load()
    if audit_only:
        if force:
            raise click.UsageError("--force goes with writing a release, not with --audit")
        if not out.is_dir():
            raise click.BadParameter(f"'{out}' is not a folder", param_hint="OUT")
        findings = build.run_audit(course, out)
        _list(console, [str(finding) for finding in findings])
        if findings:
            files = len({finding.path for finding in findings})
            console.print(f"[red]The audit failed:[/] {len(findings)} finding(s) in {files} "
                          f"file(s) of {_escape(str(out))}: do not hand it to students.")
            ctx.exit(1)
        console.print(f"{out}: the audit found nothing secret.")
        return
    try:
        with _Bar(console) as bar:
            report = build.build(course, out, force, bar)
    except build.ReleaseFailed as failure:
        _list(console, failure.problems)
        console.print(f"[red]Release failed:[/] {_escape(failure.summary)}")
        ctx.exit(1)
    console.print(
        f"Wrote the student edition [bold]{report.stamp}[/] to {_escape(str(report.out))} "
        f"({report.files} files, {report.records} recorded answers in "
        f"{report.records_bytes / 1024:.0f} KB) in {report.seconds:.0f} s.\n"
        f"Self-test: {report.compared} checks of {report.students} students agree with the "
        "full course"
        + (f" ({report.timed_out} timed out on one side and were not compared)"
           if report.timed_out else "")
        + ". Audit: nothing secret.")


MAX_LISTED = 40


def _list(console, problems: list[str]) -> None:
    """One line per problem (file and line first), the first MAX_LISTED of them."""
    for problem in problems[:MAX_LISTED]:
        console.print(f"  [red]✗[/] {_escape(problem)}", soft_wrap=True)
    if len(problems) > MAX_LISTED:
        console.print(f"  … and {len(problems) - MAX_LISTED} more")


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
