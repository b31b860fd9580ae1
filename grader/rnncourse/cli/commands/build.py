"""`rnncourse build`: derive the student stubs in exercises/ from solutions/."""

from __future__ import annotations

import click


@click.command("build")
@click.option("--check", "check_only", is_flag=True,
              help="Only report whether exercises/ is up to date (exit 1 if not).")
@click.option("--force", is_flag=True,
              help="Overwrite stubs even where someone has edited them.")
@click.pass_context
def command(ctx: click.Context, check_only: bool, force: bool) -> None:
    """Regenerate exercises/ from solutions/ (for course authors).

    Each solution region (### BEGIN SOLUTION ... ### END SOLUTION) becomes
    `raise NotImplementedError`; docstrings and TODO comments stay. A stub that
    holds someone's work is never overwritten without --force.
    """
    from rnncourse.cli.console import console
    from rnncourse.course import manifest as course_module
    from rnncourse.course import stubs as build

    course = course_module.load()
    planned = build.plan(course)
    stale = [item for item in planned if item.state != "same"]
    if check_only:
        for item in stale:
            console.print(f"[red]out of date[/]: exercises/{item.path.name} ({item.state})")
        if not stale:
            console.print(f"exercises/ is up to date ({len(planned)} files).")
        ctx.exit(1 if stale else 0)
    written = build.write(planned, force=force)
    for item in written:
        console.print(f"wrote exercises/{item.path.name}")
    console.print(f"exercises/ is up to date ({len(planned)} files, {len(written)} written).")
