"""Lab: the adding problem, trained with the student's own cell.

Each sequence has T steps of two inputs: a value drawn uniformly from [0, 1),
and a marker that is 1 at exactly two steps and 0 elsewhere. The target is the
sum of the two marked values. Both marks fall in the first half of the
sequence (as in Hochreiter and Schmidhuber's version of the task), so the
answer has to be carried for at least T/2 steps. Always predicting the mean
sum, 1.0, scores the variance of the sum: 2/12 = 1/6 ~ 0.167.

Per iteration: the student's sequence forward on a fresh batch (its cache kept
in the student's process), the course's readout of the last hidden state and
its MSE, the student's sequence backward, the student's clip_by_global_norm on
all gradients, and an Adam step by the course.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from rnncourse.labs.setup import CELLS, init_weights
from rnncourse.labs.student import Array, Kept, StudentCode
from rnncourse.labs.training import Adam, mse_and_grads, readout

NOTES = {"rnn": "vanishing.chain-rule", "lstm": "lstm.gradient-flow", "gru": "gru.gates"}
RUNNING_WINDOW = 50
EVAL_CHUNK_VALUES = 4_000_000  # floats of h per evaluation call


@dataclass(frozen=True)
class Settings:
    cell: str = "lstm"
    steps: int = 50
    iters: int = 2000
    seed: int = 0
    hidden: int = 32
    batch: int = 64
    lr: float = 3e-3
    max_norm: float = 1.0
    forget_bias: float = 1.0  # the LSTM's b_f at the start; other biases start at 0
    eval_size: int = 4000

    def to_dict(self) -> dict:
        return dict(vars(self))


@dataclass
class Result:
    settings: Settings
    losses: list[float] = field(default_factory=list)
    iterations: int = 0
    interrupted: bool = False
    seconds: float = 0.0
    final_mse: float = float("nan")
    baseline_mse: float = float("nan")

    @property
    def eval_size(self) -> int:
        return self.settings.eval_size

    @property
    def running_loss(self) -> float:
        recent = self.losses[-RUNNING_WINDOW:]
        return float(np.mean(recent)) if recent else float("nan")

    @property
    def seconds_per_iteration(self) -> float:
        return self.seconds / self.iterations if self.iterations else float("nan")

    def verdict(self) -> str:
        s = self.settings
        cell = s.cell.upper()
        gap = s.steps // 2
        stopped = f"Stopped by Ctrl-C after {self.iterations} iterations. " \
            if self.interrupted else ""
        read = f"(rnncourse notes {NOTES[s.cell]})"
        if self.final_mse < 0.1 * self.baseline_mse:
            return (f"{stopped}Your {cell} solved it: MSE {self.final_mse:.4f}, "
                    f"{self.baseline_mse / self.final_mse:.0f} times below the baseline "
                    f"{self.baseline_mse:.3f}. The marked values lie at least {gap} steps "
                    f"back, and the gradient from the loss still reached them {read}.")
        if self.interrupted:
            return (f"{stopped}MSE {self.final_mse:.4f} against the baseline "
                    f"{self.baseline_mse:.3f} so far: too early to tell whether your {cell} "
                    f"finds the marked values. The full {s.iters} iterations will show it "
                    f"{read}.")
        if self.final_mse < 0.7 * self.baseline_mse:
            return (f"{stopped}Your {cell} got part of the way: MSE {self.final_mse:.4f} "
                    f"against the baseline {self.baseline_mse:.3f}. More iterations "
                    f"(--iters) may finish the job {read}.")
        return (f"{stopped}Your {cell} stayed near the baseline: MSE {self.final_mse:.4f} "
                f"against {self.baseline_mse:.3f} for always predicting 1.0. It learned the "
                f"average sum but not to find the marked values, at least {gap} steps back: "
                f"the gradient from the loss fades before it gets there {read}.")

    def to_dict(self) -> dict:
        return {
            "lab": "adding",
            "settings": self.settings.to_dict(),
            "iterations": self.iterations,
            "interrupted": self.interrupted,
            "seconds": round(self.seconds, 3),
            "seconds_per_iteration": _number(self.seconds_per_iteration),
            "final_mse": _number(self.final_mse),
            "baseline_mse": _number(self.baseline_mse),
            "running_loss": _number(self.running_loss),
            "losses": self.losses,
        }


def make_batch(rng: np.random.Generator, size: int, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """(x (size, steps, 2), target (size,)): values, markers, and the marked sums."""
    values = rng.random((size, steps))
    half = steps // 2
    first = rng.integers(0, half, size)
    second = (first + rng.integers(1, half, size)) % half  # distinct from first
    markers = np.zeros((size, steps))
    rows = np.arange(size)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    return np.stack([values, markers], axis=-1), values[rows, first] + values[rows, second]


def initial_params(settings: Settings) -> dict[str, np.ndarray]:
    cell = CELLS[settings.cell]
    rng = np.random.default_rng([settings.seed, 1])
    biases = {"f": settings.forget_bias} if cell.name == "lstm" else {}
    params = init_weights(cell, 2, settings.hidden, rng, biases=biases)
    params["w"] = rng.normal(size=(settings.hidden, 1)) / np.sqrt(settings.hidden)
    params["c"] = np.zeros(1)
    return params


def last_states(code: StudentCode, settings: Settings, params: dict,
                x: np.ndarray) -> tuple[np.ndarray, object]:
    """(h of every step, cache handle) from the student's sequence forward."""
    cell = CELLS[settings.cell]
    N, T, _ = x.shape
    H = settings.hidden
    return code.call(cell.name, cell.forward, x, np.zeros((N, H)), params["Wx"], params["Wh"],
                     params["b"], outputs=(Array("h", (N, T, H)), Kept("cache")))


def evaluate(code: StudentCode, settings: Settings, params: dict, x: np.ndarray,
             target: np.ndarray) -> float:
    """MSE of the readout on ``x``, in chunks small enough for one call."""
    cell = CELLS[settings.cell]
    chunk = max(1, EVAL_CHUNK_VALUES // (settings.steps * settings.hidden))
    squared = 0.0
    for start in range(0, len(x), chunk):
        h, _ = last_states(code, settings, params, x[start:start + chunk])
        code.forget(cell.name)
        error = readout(h[:, -1], params["w"], params["c"]) - target[start:start + chunk]
        squared += float(np.sum(error * error))
    return squared / len(x)


def train(code: StudentCode, settings: Settings,
          on_iteration: Callable[[int, float, float], None] | None = None) -> Result:
    """Train for ``settings.iters`` iterations, or until Ctrl-C, then measure the
    MSE on sequences never trained on. ``on_iteration(i, loss, running)`` is
    called after each one."""
    cell = CELLS[settings.cell]
    kH = cell.blocks * settings.hidden
    D, H, N, T = 2, settings.hidden, settings.batch, settings.steps
    rng = np.random.default_rng([settings.seed, 0])
    params = initial_params(settings)
    adam = Adam(settings.lr)
    result = Result(settings)
    started = time.perf_counter()
    try:
        for _ in range(settings.iters):
            x, target = make_batch(rng, N, T)
            h, cache = last_states(code, settings, params, x)
            loss, dh_last, grads = mse_and_grads(h[:, -1], params["w"], params["c"], target)
            dh = np.zeros_like(h)
            dh[:, -1] = dh_last
            _, _, grads["Wx"], grads["Wh"], grads["b"] = code.call(
                cell.name, cell.backward, dh, cache,
                outputs=(Array("dx", (N, T, D)), Array("dh0", (N, H)), Array("dWx", (D, kH)),
                         Array("dWh", (H, kH)), Array("db", (kH,))))
            code.forget(cell.name)
            clipped, _ = code.clip(grads, settings.max_norm)
            params = adam.step(params, clipped)
            result.losses.append(loss)
            if on_iteration is not None:
                on_iteration(adam.t, loss, result.running_loss)
    except KeyboardInterrupt:
        result.interrupted = True
        code.restart()  # a reply may still be on its way: start afresh for the evaluation
    result.seconds = time.perf_counter() - started
    result.iterations = adam.t
    eval_x, eval_target = make_batch(np.random.default_rng([settings.seed, 2]),
                                     settings.eval_size, T)
    result.final_mse = evaluate(code, settings, params, eval_x, eval_target)
    result.baseline_mse = float(np.mean((eval_target - 1.0) ** 2))
    return result


def _number(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None
