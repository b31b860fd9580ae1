"""`rnncourse lab`: experiments run with the student's own cells.

Exit codes: 0 the lab ran; 1 the student's code stopped it (a function missing,
not implemented, raising, returning wrong shapes or NaN, or disagreeing with
itself) — the same code as a failing `check`, since it is the student's code
that has to change; 2 bad options; 130 Ctrl-C (the adding lab first reports
what it reached).
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from rnncourse.sandbox import forkserver


class StudentSideError(click.ClickException):
    """The student's code stopped the lab: one line, exit code 1."""

    exit_code = 1


def _folder(course, directory: Path | None) -> Path:
    folder = course.exercises_dir if directory is None else directory
    if not folder.is_dir():
        raise click.BadParameter(f"directory '{folder}' does not exist", param_hint="--dir")
    return folder


def _run(course, folder: Path, work):
    """``work(code)`` with the student's files of ``folder``; a LabError becomes
    the one-line, exit-code-1 stop."""
    from rnncourse.labs.student import LabError, StudentCode

    try:
        with StudentCode(folder, course.policy.memory_mb) as code:
            return work(code)
    except LabError as error:
        raise StudentSideError(str(error)) from None


DIR_OPTION = click.option(
    "--dir", "directory", type=click.Path(file_okay=False, path_type=Path),
    help="Folder holding your exercise files (default: the course's exercises/).")
SEED_OPTION = click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
                           help="Seed of the random weights and inputs.")
JSON_OPTION = click.option("--json", "as_json", is_flag=True,
                           help="Print only the numbers, as JSON.")


@click.group("lab")
def command() -> None:
    """Labs: measure with your own cells what the notes claim.

    \b
      rnncourse lab vanishing   how the gradient fades with the number of steps
      rnncourse lab adding      train your cell on the adding problem

    Exit codes: 0 done, 1 your code stopped the lab (the message names the
    function), 2 bad options, 130 interrupted.
    """


@command.command("vanishing")
@DIR_OPTION
@click.option("--steps", type=click.IntRange(2, 300), default=100, show_default=True,
              help="Largest T: the loss is on h_T, T = 1 .. STEPS.")
@click.option("--hidden", type=click.IntRange(1, 256), default=32, show_default=True,
              help="Hidden size H.")
@SEED_OPTION
@click.option("--plot", "plot_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also save the curves as a PNG (needs the `plots` extra).")
@JSON_OPTION
def vanishing_command(directory: Path | None, steps: int, hidden: int, seed: int,
                      plot_path: Path | None, as_json: bool) -> None:
    """How much gradient reaches h_0 (and the LSTM's c_0) from a loss on h_T,
    for T = 1 .. STEPS, with your rnn, lstm and gru forward and backward; the
    effect of the gate biases and of the scale of Wh, and your
    clip_by_global_norm on exploding gradients."""
    forkserver.warm_up()
    from rnncourse.course import manifest as course_module
    from rnncourse.labs import plot, vanishing

    course = course_module.load()
    folder = _folder(course, directory)
    if plot_path is not None:
        _check_plot_path(plot_path, plot)
    settings = vanishing.Settings(steps=steps, hidden=hidden, seed=seed)
    result = _run(course, folder, lambda code: vanishing.measure(code, settings) if as_json
                  else _with_progress(code, settings, vanishing))
    if plot_path is not None:
        try:
            plot.save_vanishing(result, plot_path)
        except OSError as error:
            raise click.BadParameter(f"cannot write '{plot_path}': {error.strerror or error}",
                                     param_hint="--plot") from None
    if as_json:
        data = result.to_dict()
        if plot_path is not None:
            data["plot"] = str(plot_path)
        click.echo(json.dumps(data, indent=1))
        return
    from rnncourse.cli.console import console
    from rnncourse.cli.views.labs import vanishing_view

    console.print(vanishing_view(result, vanishing.explain(result)))
    if plot_path is not None:
        console.print(f"Saved the curves to {plot_path}")


def _check_plot_path(path: Path, plot) -> None:
    """Refuse a plot that cannot be written before spending time on the lab."""
    if path.suffix.lower() != ".png":
        raise click.BadParameter(f"'{path}' should end in .png", param_hint="--plot")
    if not path.parent.resolve().is_dir():
        raise click.BadParameter(f"folder '{path.parent}' does not exist", param_hint="--plot")
    if not plot.available():
        from rnncourse.cli.errors import InputError

        raise InputError(plot.INSTALL_HINT)


def _with_progress(code, settings, vanishing):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from rnncourse.cli.console import console

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("Measuring", total=vanishing.tasks(settings))
        started = [False]

        def step(what: str) -> None:
            if started[0]:
                progress.advance(task)
            started[0] = True
            progress.update(task, description=what)

        result = vanishing.measure(code, settings, progress=step)
        progress.advance(task)
    return result


@command.command("adding")
@DIR_OPTION
@click.option("--cell", type=click.Choice(["rnn", "lstm", "gru"]), default="lstm",
              show_default=True, help="Which of your cells to train.")
@click.option("--steps", type=click.IntRange(4, 400), default=50, show_default=True,
              help="Sequence length T (both marked values lie in the first half).")
@click.option("--iters", type=click.IntRange(1, 1_000_000), default=2000, show_default=True,
              help="Training iterations (one batch each).")
@SEED_OPTION
@JSON_OPTION
@click.pass_context
def adding_command(ctx: click.Context, directory: Path | None, cell: str, steps: int,
                   iters: int, seed: int, as_json: bool) -> None:
    """Train your CELL on the adding problem: the target is the sum of two marked
    values among T random ones. Predicting the mean sum (1.0) gives MSE 1/6, about
    0.167; the course supplies the readout and Adam, your code the cell's forward
    and backward and the gradient clipping. Ctrl-C stops training and reports
    what was reached."""
    forkserver.warm_up()
    from rnncourse.course import manifest as course_module
    from rnncourse.labs import adding

    course = course_module.load()
    folder = _folder(course, directory)
    settings = adding.Settings(cell=cell, steps=steps, iters=iters, seed=seed)
    result = _run(course, folder, lambda code: adding.train(code, settings) if as_json
                  else _train_with_progress(code, settings, adding))
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=1))
    else:
        from rnncourse.cli.console import console
        from rnncourse.cli.views.labs import adding_view

        console.print(adding_view(result))
    ctx.exit(130 if result.interrupted else 0)


def _train_with_progress(code, settings, adding):
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from rnncourse.cli.console import console

    columns = (TextColumn("Training your " + settings.cell.upper()), BarColumn(),
               MofNCompleteColumn(), TextColumn("loss {task.fields[loss]}"),
               TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("train", total=settings.iters, loss="-")

        def step(iteration: int, loss: float, running: float) -> None:
            progress.update(task, completed=iteration, loss=f"{running:.4f}")

        return adding.train(code, settings, on_iteration=step)
