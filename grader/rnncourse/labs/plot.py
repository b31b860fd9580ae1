"""The vanishing lab's figure as a PNG, with matplotlib (the optional extra
``plots``: pip install -e ".[plots]"). matplotlib is imported only here, and
only when a plot is asked for."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rnncourse import atomic

if TYPE_CHECKING:
    from rnncourse.labs.vanishing import Result

INSTALL_HINT = ("--plot needs matplotlib, which is not installed; install the course's "
                "`plots` extra: pip install -e \".[plots]\"")


def available() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def save_vanishing(result: Result, path: Path) -> None:
    """Write the figure to ``path`` through a temporary file beside it, renamed
    over ``path`` when complete: an interrupted or failed save leaves no half file."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(16, 4.8), layout="constrained")
    axes = figure.subplots(1, 3)
    panels = [
        ("Gradient reaching the initial state", result.comparison),
        ("Gate biases", result.gate_bias),
        ("Recurrent weight scale (RNN)", result.weight_scale),
    ]
    colours = {"rnn": "tab:red", "lstm": "tab:green", "lstm-c": "tab:cyan", "gru": "tab:purple"}
    for ax, (title, series_list) in zip(axes, panels):
        for series in series_list:
            ax.semilogy(series.steps, series.norms, color=colours.get(series.key),
                        label=f"{series.label} (x{series.decay:.3f} per step)")
        ax.set_title(title)
        ax.set_xlabel("T (steps between h_0 and the loss)")
        ax.grid(True, which="major", alpha=0.3)
    for run in result.clipping:
        axes[2].semilogy(run.steps, run.before, ":", color="grey", marker="o", markersize=3,
                         label=f"sigma_max = {run.scale:g}: weight gradient")
        axes[2].semilogy(run.steps, run.after, "k--", marker="o", markersize=3,
                         label=f"sigma_max = {run.scale:g}: weight gradient after your "
                               f"clip_by_global_norm")
    axes[0].set_ylabel("norm of the gradient")
    for ax in axes:
        ax.legend(fontsize=7, loc="lower left")
    s = result.settings
    figure.suptitle(f"Norm of the gradient reaching h_0 (c_0) from L = u . h_T, with your cells "
                    f"(H = {s.hidden}, D = {s.inputs}, {result.samples} sequences, seed {s.seed})")
    atomic.replace_with(Path(path), lambda temporary: figure.savefig(temporary, format="png",
                                                                     dpi=100))
