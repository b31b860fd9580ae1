"""Rich views of the labs' results: tables, a log-scale text chart, the verdicts."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from rich.console import Group
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from rnncourse.labs import adding, vanishing

MARKS = {"rnn": ("r", "red"), "lstm": ("l", "green"), "lstm-c": ("c", "cyan"),
         "gru": ("g", "magenta")}
CHART_DECADES_SHOWN = 40  # the chart's y axis spans at most this many powers of ten


def sci(value: float) -> str:
    return f"{value:.2e}" if value > 0 else "0"


def shown_steps(steps: list[int], rows: int = 10) -> list[int]:
    """T = the first, then about ``rows`` evenly spaced values, always the last."""
    last = steps[-1]
    wanted = {steps[0], last, *(round(last * k / rows) for k in range(1, rows + 1))}
    return [T for T in steps if T in wanted]


def comparison_table(result: vanishing.Result) -> Table:
    table = Table(title="||dL/dh_0|| (and the LSTM's ||dL/dc_0||) for a loss on h_T",
                  title_justify="left", box=None, pad_edge=False)
    table.add_column("T", justify="right")
    for series in result.comparison:
        mark, style = MARKS.get(series.key, ("*", ""))
        table.add_column(Text(f"{series.label} [{mark}]", style=style), justify="right")
    for T in shown_steps(result.steps):
        table.add_row(str(T), *(sci(series.at(T)) for series in result.comparison))
    table.add_row(Text("per step", style="bold"),
                  *(Text(f"x{series.decay:.3f}", style="bold") for series in result.comparison))
    return table


def log_chart(series_list: list[vanishing.Series], steps: list[int], width: int = 60,
              height: int = 12) -> Text:
    """A text chart of the series on a log10 scale: one mark per series (see MARKS)."""
    values = np.array([s.norms for s in series_list], dtype=float)
    positive = values[values > 0]
    if positive.size == 0:
        return Text("(nothing to chart: every norm is 0)")
    top = math.ceil(math.log10(positive.max()))
    bottom = max(math.floor(math.log10(positive.min())), top - CHART_DECADES_SHOWN)
    bottom = min(bottom, top - 1)
    columns = min(width, len(steps))
    grid = [[(" ", "")] * columns for _ in range(height)]
    for series in series_list:
        mark = MARKS.get(series.key, ("*", ""))
        for column in range(columns):
            index = round(column * (len(steps) - 1) / max(columns - 1, 1))
            value = series.norms[index]
            if not value > 0:
                continue
            level = (math.log10(value) - bottom) / (top - bottom)
            row = height - 1 - round(min(max(level, 0.0), 1.0) * (height - 1))
            grid[row][column] = mark
    text = Text()
    for row in range(height):
        exponent = top - row * (top - bottom) / (height - 1)
        label = f"1e{round(exponent):+04d} |" if row % 3 == 0 or row == height - 1 else "       |"
        text.append(label, style="dim")
        for mark, style in grid[row]:
            text.append(mark, style=style)
        text.append("\n")
    text.append("       +" + "-" * columns + "\n", style="dim")
    axis = f"T = {steps[0]}".ljust(columns - len(f"T = {steps[-1]}")) + f"T = {steps[-1]}"
    text.append("        " + axis + "\n", style="dim")
    legend = Text("        ")
    for series in series_list:
        mark, style = MARKS.get(series.key, ("*", ""))
        legend.append(f"{mark}", style=style)
        legend.append(f" {series.label}   ")
    text.append_text(legend)
    return text


def sweep_table(title: str, series_list: list[vanishing.Series], steps: list[int]) -> Table:
    """Each configuration's norm at a few T, and its decay factor per step."""
    last = steps[-1]
    picked = [T for T in steps if T in {steps[0], round(last / 4), round(last / 2), last}]
    table = Table(title=title, title_justify="left", box=None, pad_edge=False)
    table.add_column("")
    for T in picked:
        table.add_column(f"T = {T}", justify="right")
    table.add_column("per step", justify="right")
    for series in series_list:
        factor = series.decay
        style = "red" if factor > 1 else ("green" if factor > 0.95 else "")
        table.add_row(series.label, *(sci(series.at(T)) for T in picked),
                      Text(f"x{factor:.3f}", style=style))
    return table


def clip_table(run: vanishing.ClipRun, max_norm: float) -> Table:
    """Norms before and after clipping, by T."""
    table = Table(box=None, pad_edge=False)
    table.add_column("T", justify="right")
    table.add_column("global norm", justify="right")
    table.add_column("after clipping", justify="right")
    for T, before, after in zip(run.steps, run.before, run.after):
        table.add_row(str(T), sci(before), Text(f"{after:.4g}",
                                                style="yellow" if after < before else ""))
    return table


def vanishing_view(result: vanishing.Result, lines: list[str]) -> Group:
    s = result.settings
    header = Text.assemble(
        ("Lab: vanishing gradients", "bold"),
        (f"   H = {s.hidden}, D = {s.inputs}, T up to {s.steps}, {result.samples} "
         f"input sequence{'s' if result.samples != 1 else ''}, seed {s.seed}; loss L = u . h_T",
         "dim"))
    chart = log_chart(result.comparison, result.steps)
    return Group(
        header, Text(),
        comparison_table(result), Text(),
        Text("The same against T, log scale", style="bold"), chart, Text(),
        sweep_table("Gate biases: the share of the state each step keeps", result.gate_bias,
                    result.steps), Text(),
        sweep_table("Largest singular value of the RNN's Wh: below 1 vanishing, above 1 "
                    "exploding",
                    result.weight_scale, result.steps), Text(),
        *(Group(Text(f"Your clip_by_global_norm (max_norm = {s.max_norm:g}) on the RNN's "
                      f"(dWx, dWh, db) for a loss on h_T, sigma_max(Wh) = {run.scale:g}"),
                clip_table(run, s.max_norm)) for run in result.clipping), Text(),
        Text("What this shows", style="bold"),
        *(Text(f"- {line}") for line in lines),
    )


def adding_view(result: adding.Result) -> Group:
    s = result.settings
    verdict_style = "green" if result.final_mse < 0.1 * result.baseline_mse else (
        "yellow" if result.final_mse < 0.9 * result.baseline_mse else "red")
    table = Table(box=None, pad_edge=False, show_header=False)
    table.add_column("", style="bold")
    table.add_column("", justify="right")
    table.add_row("iterations", f"{result.iterations} of {s.iters}"
                  + (" (stopped by Ctrl-C)" if result.interrupted else ""))
    table.add_row("time", f"{result.seconds:.1f} s ({1000 * result.seconds_per_iteration:.1f} ms "
                          "per iteration)" if result.iterations else f"{result.seconds:.1f} s")
    table.add_row("running training loss", f"{result.running_loss:.4f}"
                  if result.iterations else "-")
    table.add_row(f"MSE on {result.eval_size} new sequences",
                  Text(f"{result.final_mse:.4f}", style=f"bold {verdict_style}"))
    table.add_row("baseline: always predict 1.0", f"{result.baseline_mse:.4f}")
    header = Text.assemble((f"Lab: the adding problem with your {s.cell.upper()}", "bold"),
                           (f"   T = {s.steps}, H = {s.hidden}, batch {s.batch}, Adam lr "
                            f"{s.lr:g}, clip at {s.max_norm:g}, seed {s.seed}", "dim"))
    return Group(header, table, Text(), Text(result.verdict(), style="bold"))
