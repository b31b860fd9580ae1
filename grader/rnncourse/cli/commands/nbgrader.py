"""`rnncourse nbgrader`: the course as an nbgrader assignment, and reports from
nbgrader's gradebook."""

from __future__ import annotations

from pathlib import Path

import click


@click.group("nbgrader")
def command() -> None:
    """Grade the course through nbgrader (install it with: pip install -e ".[nbgrader]").

    \b
    Instructor flow (see docs/instructor-guide.md):
      rnncourse nbgrader init COURSE_DIR
      cd COURSE_DIR && nbgrader generate_assignment rnn-gradients
      ... collect submissions into submitted/<student>/rnn-gradients/ ...
      nbgrader autograde rnn-gradients
      nbgrader generate_feedback rnn-gradients
      rnncourse nbgrader report COURSE_DIR --out DIR
    """


@command.command("init")
@click.argument("course_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--assignment", default="rnn-gradients", show_default=True,
              help="Name of the nbgrader assignment.")
@click.option("--force", is_flag=True, help="Write over an existing nbgrader course.")
@click.option("--optional", is_flag=True,
              help="Also the optional exercises (nbgrader then counts their points in every "
                   "student's maximum: it has no extra credit).")
def init(course_dir: Path, assignment: str, force: bool, optional: bool) -> None:
    """Write COURSE_DIR: nbgrader_config.py and one notebook per exercise in
    source/ASSIGNMENT/, generated from solutions/ and course.toml."""
    from rnncourse.cli.console import console
    from rnncourse.course import manifest as course_module
    from rnncourse.nbgrader import assignment as nbgrader_course

    if not assignment.replace("-", "").replace("_", "").isalnum():
        raise click.BadParameter("use letters, digits, - and _", param_hint="--assignment")
    course = course_module.load()
    written = nbgrader_course.write(course, course_dir, assignment, force, optional)
    console.print(f"Wrote {len(written)} files to {course_dir}: nbgrader_config.py and "
                  f"source/{assignment}/ ({len(written) - 1} notebooks).")
    console.print(f"Next: cd {course_dir} && nbgrader generate_assignment {assignment}")


@command.command("report")
@click.argument("course_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for grades.csv and report.html.")
@click.option("--assignment", default="rnn-gradients", show_default=True,
              help="Name of the nbgrader assignment.")
def report(course_dir: Path, out: Path, assignment: str) -> None:
    """Write grades.csv and report.html (as `rnncourse grade` does) from the
    nbgrader course in COURSE_DIR, after `nbgrader autograde`."""
    from rnncourse.cli.console import console
    from rnncourse.course import manifest as course_module
    from rnncourse.nbgrader import report as nbgrader_report
    from rnncourse.reports import classreport as report_module

    course = course_module.load()
    rows, notes, course = nbgrader_report.rows(course, course_dir, assignment)
    if out.exists() and not out.is_dir():
        raise click.BadParameter(f"'{out}' exists and is not a folder", param_hint="--out")
    written = report_module.write(out, course, rows, notes)
    graded = sum(row.status == "graded" for row in rows)
    console.print(f"{graded} of {len(rows)} student(s) graded; wrote "
                  f"{', '.join(str(path) for path in written)}")
    for note in notes:
        console.print(f"[yellow]{note}[/]")
