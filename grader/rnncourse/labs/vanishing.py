"""Lab: how much gradient reaches h_0 from a loss T steps later.

For a loss L = u . h_T (u a fixed unit vector) the lab measures ||dL/dh_0||
for every T up to ``steps``, with the student's own forward and backward. One
call does all T at once: the batch holds one row per (sample, T), every row
the same input sequence of its sample, and the upstream gradient of a row is u
at step T and zero elsewhere, so that row's dh0 is the gradient for that T
(rows of a batch never mix). For the LSTM, whose lstm_backward returns dh0
only, the lab chains lstm_step_forward and lstm_step_backward itself to get
dc_0 as well.

Per-step decay factor: the geometric mean of n_{T+1} / n_T, that is
(n_last / n_first) ** (1 / (T_last - T_first)).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from rnncourse.labs.setup import CELLS, CellKind, init_weights, with_bias
from rnncourse.labs.student import Array, Kept, LabError, StudentCode

MAX_POINTS = 100  # values of T measured at most; more steps are sampled evenly
MEMORY_BUDGET = 256 * 1024 * 1024  # bytes for a cache in the student process, roughly
CLIP_POINTS = 12
SLOPE_TOLERANCE = 1e-5


@dataclass(frozen=True)
class Settings:
    steps: int = 100
    hidden: int = 32
    seed: int = 0
    inputs: int = 8
    samples: int = 4  # input sequences averaged over (geometric mean), at most
    forget_bias: float = 1.0  # the LSTM's b_f in the comparison of the three cells
    forget_biases: tuple[float, ...] = (0.0, 1.0, 3.0)
    update_biases: tuple[float, ...] = (0.0, -1.0, -3.0)
    scales: tuple[float, ...] = (0.5, 1.0, 3.0)  # largest singular value of the RNN's Wh
    max_norm: float = 5.0  # clip_by_global_norm's threshold in the exploding case


@dataclass
class Series:
    """||dL/dh_0|| (or dc_0) against T for one configuration."""

    key: str
    label: str
    steps: list[int]
    norms: np.ndarray
    setting: str = ""  # what a sweep changed, e.g. "b_f = 3"

    @property
    def decay(self) -> float:
        return decay_factor(self.steps, self.norms)

    def at(self, T: int) -> float:
        return float(self.norms[self.steps.index(T)])

    def to_dict(self) -> dict:
        return {"key": self.key, "label": self.label, "norms": [float(n) for n in self.norms],
                "decay_per_step": _number(self.decay)}


@dataclass
class ClipRun:
    """The RNN's weight gradient for a loss on h_T, before and after the student's
    clip_by_global_norm, for a few T."""

    scale: float
    steps: list[int]
    before: list[float] = field(default_factory=list)
    after: list[float] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"scale": self.scale, "steps": self.steps, "norm_before": self.before,
                "norm_after": self.after}


@dataclass
class Result:
    settings: Settings
    steps: list[int]  # the values of T measured
    samples: int
    comparison: list[Series] = field(default_factory=list)
    gate_bias: list[Series] = field(default_factory=list)
    weight_scale: list[Series] = field(default_factory=list)
    clipping: list[ClipRun] = field(default_factory=list)

    def series(self, key: str) -> Series:
        for series in (*self.comparison, *self.gate_bias, *self.weight_scale):
            if series.key == key:
                return series
        raise KeyError(key)

    def to_dict(self) -> dict:
        s = self.settings
        return {
            "lab": "vanishing",
            "settings": {"steps": s.steps, "hidden": s.hidden, "seed": s.seed,
                         "inputs": s.inputs, "samples": self.samples,
                         "forget_bias": s.forget_bias, "max_norm": s.max_norm},
            "loss": "u . h_T, u a fixed unit vector; norms are ||dL/dh_0|| (dc_0 for lstm-c), "
                    "geometric means over the samples",
            "T": self.steps,
            "comparison": [series.to_dict() for series in self.comparison],
            "gate_bias": [series.to_dict() for series in self.gate_bias],
            "weight_scale": [series.to_dict() for series in self.weight_scale],
            "clipping": [run.to_dict() for run in self.clipping],
        }


def decay_factor(steps: list[int], norms: np.ndarray) -> float:
    """Geometric mean ratio per step between the first T and the last T whose
    norm is still positive (float64 can underflow to 0 for very long spans)."""
    positive = [k for k, n in enumerate(norms) if n > 0]
    if not positive or positive[-1] == 0 or norms[0] <= 0:
        return float("nan")
    last = positive[-1]
    return float(np.exp((np.log(norms[last]) - np.log(norms[0])) / (steps[last] - steps[0])))


def plan(settings: Settings) -> tuple[list[int], int]:
    """The values of T to measure and the number of samples, within the memory
    budget of one batch's cache (about 12 arrays of (rows, H) per step)."""
    rows_budget = max(2, MEMORY_BUDGET // (settings.steps * settings.hidden * 8 * 12))
    points = min(settings.steps, MAX_POINTS, rows_budget)
    samples = max(1, min(settings.samples, rows_budget // points))
    steps = sorted({int(round(t)) for t in np.linspace(1, settings.steps, points)})
    return steps, samples


@dataclass
class Batch:
    """Every sample's sequence repeated once per measured T (rows sample-major)."""

    x: np.ndarray  # (rows, steps, D)
    h0: np.ndarray  # (rows, H)
    dh: np.ndarray  # (rows, steps, H): u at step T - 1 of the row for T, else 0
    samples: int

    def per_step(self, dh0: np.ndarray) -> np.ndarray:
        """Row norms -> their geometric mean over the samples, one per T."""
        norms = np.linalg.norm(dh0, axis=1).reshape(self.samples, -1)
        with np.errstate(divide="ignore"):
            return np.exp(np.mean(np.log(norms), axis=0))


def make_batch(settings: Settings, steps: list[int], samples: int) -> Batch:
    rng = np.random.default_rng([settings.seed, 0])
    x = rng.normal(size=(samples, settings.steps, settings.inputs))
    u = rng.normal(size=(samples, settings.hidden))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    points = len(steps)
    rows = samples * points
    dh = np.zeros((rows, settings.steps, settings.hidden))
    for s in range(samples):
        for j, T in enumerate(steps):
            dh[s * points + j, T - 1] = u[s]
    return Batch(np.repeat(x, points, axis=0), np.zeros((rows, settings.hidden)), dh, samples)


def weights_for(cell: CellKind, settings: Settings, **options) -> dict:
    """The same draw for a cell whatever the options, so that a sweep changes one
    thing only (a bias, or the scale of Wh)."""
    rng = np.random.default_rng([settings.seed, 1 + list(CELLS).index(cell.name)])
    return init_weights(cell, settings.inputs, settings.hidden, rng, **options)


# ----------------------------------------------------------------------------
# Calling the student's functions


def sequence_dh0(code: StudentCode, cell: CellKind, weights: dict,
                 batch: Batch) -> tuple[np.ndarray, np.ndarray]:
    """(h, dh0) from the student's sequence forward and backward."""
    R, T, D = batch.x.shape
    H = batch.h0.shape[1]
    kH = weights["Wh"].shape[1]
    h, cache = code.call(cell.name, cell.forward, batch.x, batch.h0, weights["Wx"],
                         weights["Wh"], weights["b"],
                         outputs=(Array("h", (R, T, H)), Kept("cache")))
    grads = code.call(cell.name, cell.backward, batch.dh, cache,
                      outputs=(Array("dx", (R, T, D)), Array("dh0", (R, H)),
                               Array("dWx", (D, kH)), Array("dWh", (H, kH)), Array("db", (kH,))))
    code.forget(cell.name)
    return h, grads[1]


def expect_slope(code: StudentCode, cell: CellKind, weights: dict, batch: Batch,
                 dh0: np.ndarray, rng: np.random.Generator) -> None:
    """The backward's dh0 must match the slope of the student's own forward along
    a random direction (central differences): the lab's conclusions rest on it."""
    direction = rng.normal(size=batch.h0.shape)
    step = 1e-6
    R, T, _ = batch.x.shape
    H = batch.h0.shape[1]
    losses = []
    for sign in (1.0, -1.0):
        h, _ = code.call(cell.name, cell.forward, batch.x, batch.h0 + sign * step * direction,
                         weights["Wx"], weights["Wh"], weights["b"],
                         outputs=(Array("h", (R, T, H)), Kept("cache")))
        code.forget(cell.name)
        losses.append(float(np.sum(batch.dh * h)))
    numeric = (losses[0] - losses[1]) / (2 * step)
    analytic = float(np.sum(dh0 * direction))
    error = abs(numeric - analytic) / max(abs(numeric) + abs(analytic), 1e-12)
    if not error <= SLOPE_TOLERANCE:
        raise LabError(f"{cell.backward}'s dh0 disagrees with the slope of your {cell.forward} "
                       f"(relative error {error:.1e}), so the lab cannot trust its gradients — "
                       f"`rnncourse check {cell.name}` shows what to fix")


def lstm_chain(code: StudentCode, weights: dict, batch: Batch) -> tuple[np.ndarray, np.ndarray]:
    """(dh0, dc0): lstm_step_forward over the steps, then lstm_step_backward back
    down, carrying both state gradients (c_0 = 0, as in lstm_forward)."""
    R, T, D = batch.x.shape
    H = batch.h0.shape[1]
    Wx, Wh, b = weights["Wx"], weights["Wh"], weights["b"]
    state = (batch.h0, np.zeros_like(batch.h0))
    caches = []
    for t in range(T):
        *state, cache = code.call("lstm", "lstm_step_forward", batch.x[:, t], *state, Wx, Wh, b,
                                  outputs=(Array("h_next", (R, H)), Array("c_next", (R, H)),
                                           Kept("cache")))
        caches.append(cache)
    dh, dc = np.zeros((R, H)), np.zeros((R, H))
    for t in reversed(range(T)):
        grads = code.call("lstm", "lstm_step_backward", batch.dh[:, t] + dh, dc, caches[t],
                          outputs=(Array("dx", (R, D)), Array("dh_prev", (R, H)),
                                   Array("dc_prev", (R, H)), Array("dWx", Wx.shape),
                                   Array("dWh", Wh.shape), Array("db", b.shape)))
        dh, dc = grads[1], grads[2]
    code.forget("lstm")
    return dh, dc


def clip_run(code: StudentCode, weights: dict, settings: Settings, steps: list[int],
             scale: float) -> ClipRun:
    """For each T, the RNN's weight gradient for L = u . h_T on the samples, and
    what the student's clip_by_global_norm makes of it."""
    rng = np.random.default_rng([settings.seed, 0])
    samples = settings.samples
    x = rng.normal(size=(samples, settings.steps, settings.inputs))
    u = rng.normal(size=(samples, settings.hidden))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    H, D = settings.hidden, settings.inputs
    run = ClipRun(scale, steps)
    for T in steps:
        dh = np.zeros((samples, T, H))
        dh[:, T - 1] = u
        _, cache = code.call("rnn", "rnn_forward", x[:, :T], np.zeros((samples, H)),
                             weights["Wx"], weights["Wh"], weights["b"],
                             outputs=(Array("h", (samples, T, H)), Kept("cache")))
        _, _, dWx, dWh, db = code.call(
            "rnn", "rnn_backward", dh, cache,
            outputs=(Array("dx", (samples, T, D)), Array("dh0", (samples, H)),
                     Array("dWx", (D, H)), Array("dWh", (H, H)), Array("db", (H,))))
        code.forget("rnn")
        clipped, norm = code.clip({"Wx": dWx, "Wh": dWh, "b": db}, settings.max_norm)
        run.before.append(norm)
        run.after.append(float(np.sqrt(sum(float(np.sum(g * g)) for g in clipped.values()))))
    return run


# ----------------------------------------------------------------------------
# The whole lab


def tasks(settings: Settings) -> int:
    """How many steps ``measure`` reports to its progress callback."""
    return 4 + len(settings.forget_biases) + len(settings.update_biases) + len(settings.scales)


def measure(code: StudentCode, settings: Settings,
            progress: Callable[[str], None] = lambda what: None) -> Result:
    """Run every measurement; ``progress(what)`` is called before each one."""
    steps, samples = plan(settings)
    batch = make_batch(settings, steps, samples)
    result = Result(settings, steps, samples)
    check_rng = np.random.default_rng([settings.seed, 9])
    rnn, lstm, gru = CELLS["rnn"], CELLS["lstm"], CELLS["gru"]

    progress("rnn: your rnn_forward and rnn_backward")
    base_rnn = weights_for(rnn, settings)
    _, dh0 = sequence_dh0(code, rnn, base_rnn, batch)
    expect_slope(code, rnn, base_rnn, batch, dh0, check_rng)
    result.comparison.append(Series("rnn", "RNN h_0", steps, batch.per_step(dh0)))

    progress(f"lstm: your lstm_forward and lstm_backward, and the steps chained (b_f = "
             f"{settings.forget_bias:g})")
    lstm_weights = weights_for(lstm, settings, biases={"f": settings.forget_bias})
    _, dh0 = sequence_dh0(code, lstm, lstm_weights, batch)
    expect_slope(code, lstm, lstm_weights, batch, dh0, check_rng)
    chained_dh0, dc0 = lstm_chain(code, lstm_weights, batch)
    error = np.max(np.abs(chained_dh0 - dh0)) / max(np.max(np.abs(dh0)), 1e-300)
    if not error <= 1e-6:
        raise LabError(f"lstm_backward's dh0 differs from chaining your lstm_step_backward "
                       f"(relative error {error:.1e}) — `rnncourse check lstm` shows what to fix")
    result.comparison.append(Series("lstm", "LSTM h_0", steps, batch.per_step(dh0)))
    result.comparison.append(Series("lstm-c", "LSTM c_0", steps, batch.per_step(dc0)))

    progress("gru: your gru_forward and gru_backward")
    base_gru = weights_for(gru, settings)
    _, dh0 = sequence_dh0(code, gru, base_gru, batch)
    expect_slope(code, gru, base_gru, batch, dh0, check_rng)
    result.comparison.append(Series("gru", "GRU h_0", steps, batch.per_step(dh0)))

    sweeps = [  # (where, values, the one measured above, its key, name, symbol, compute)
        (result.gate_bias, settings.forget_biases, settings.forget_bias, "lstm-c", "LSTM c_0",
         "b_f", lambda value: lstm_chain(code, with_bias(lstm_weights, lstm, "f", value),
                                         batch)[1]),
        (result.gate_bias, settings.update_biases, 0.0, "gru", "GRU h_0", "b_z",
         lambda value: sequence_dh0(code, gru, with_bias(base_gru, gru, "z", value), batch)[1]),
        (result.weight_scale, settings.scales, 1.0, "rnn", "RNN h_0", "sigma_max",
         lambda value: sequence_dh0(code, rnn, {**base_rnn, "Wh": base_rnn["Wh"] * value},
                                    batch)[1]),
    ]
    for where, values, measured, key, name, symbol, compute in sweeps:
        for value in values:
            progress(f"{name} with {symbol} = {value:g}")
            norms = result.series(key).norms if value == measured else \
                batch.per_step(compute(value))
            where.append(Series(f"{key} {symbol}={value:g}", f"{name}, {symbol} = {value:g}",
                                steps, norms, f"{symbol} = {value:g}"))
    clip_steps = sorted({steps[int(round(k))]
                         for k in np.linspace(0, len(steps) - 1, min(len(steps), CLIP_POINTS))})
    scale = max(settings.scales)
    progress(f"your clip_by_global_norm on the RNN's weight gradient, sigma_max(Wh) = {scale:g}")
    scaled = {**base_rnn, "Wh": base_rnn["Wh"] * scale}
    result.clipping.append(clip_run(code, scaled, settings, clip_steps, scale))
    return result


# ----------------------------------------------------------------------------
# What it shows


def explain(result: Result) -> list[str]:
    """A few sentences on what was measured, each pointing to a notes section."""
    T = result.steps[-1]
    rnn, lstm_c, gru = (result.series(key) for key in ("rnn", "lstm-c", "gru"))
    lines = [
        f"RNN: every step back multiplies the gradient by Wh^T and by tanh' <= 1; here "
        f"that averages x{rnn.decay:.2f} per step, {_fall(rnn)} over {T} steps "
        f"(rnncourse notes vanishing.chain-rule)."
    ]
    low, high = result.weight_scale[0], result.weight_scale[-1]
    scale_lo, scale_hi = min(result.settings.scales), max(result.settings.scales)
    if high.decay > 1:
        growth = f"grows by x{high.decay:.2f} per step: it explodes"
    else:
        growth = (f"still shrinks (x{high.decay:.2f} per step): a singular value above 1 "
                  "lets the gradient grow but tanh saturation can still shrink it")
    lines.append(f"Weight scale: with sigma_max(Wh) = {scale_lo:g} the gradient shrinks by at "
                 f"least that factor each step (here x{low.decay:.2f}); at {scale_hi:g} it "
                 f"{growth} (rnncourse notes vanishing.singular-values).")
    clip = result.clipping[-1]
    kept = [T for T, a, b in zip(clip.steps, clip.after, clip.before) if abs(a - b) <= 1e-9 * b]
    lines.append(
        f"Clipping (sigma_max(Wh) = {clip.scale:g}): your clip_by_global_norm brought the weight "
        f"gradient from up to {max(clip.before):.1e} down to {max(clip.after):.3g} (max_norm "
        f"{result.settings.max_norm:g}) without turning it"
        + (f", and left the ones already below max_norm as they were (T = "
           f"{', '.join(map(str, kept))})" if kept else "")
        + ". It bounds a step; it cannot bring back a gradient that vanished "
        "(rnncourse notes remedies.clipping).")
    forget = [s for s in result.gate_bias if s.key.startswith("lstm")]
    if forget:
        lines.append(
            "LSTM: the cell gradient is multiplied by the forget gate at each step back: "
            + ", ".join(f"{s.setting} gives x{s.decay:.3f}" for s in forget)
            + f" per step (rnncourse notes lstm.gradient-flow). At the usual b_f = "
            f"{result.settings.forget_bias:g} it fell {_fall(lstm_c)}, against {_fall(rnn)} "
            "for the RNN. Nothing forces f to stay near 1, so a long enough gap still loses "
            "the gradient (rnncourse notes lstm.limits).")
    update = [s for s in result.gate_bias if s.key.startswith("gru")]
    if update:
        lines.append(
            "GRU: (1 - z) is the share of h_prev kept at each step, so a negative update-gate "
            "bias keeps more: "
            + ", ".join(f"{s.setting} gives x{s.decay:.3f}" for s in update)
            + f" per step. At b_z = 0 (z near 0.5) it loses {_than(gru, rnn)} the RNN "
            f"(x{gru.decay:.2f} per step) until training moves z (rnncourse notes gru.gates).")
    return lines


def _fall(series: Series) -> str:
    ratio = series.norms[-1] / series.norms[0] if series.norms[0] > 0 else float("nan")
    return f"a factor {ratio:.0e}" if ratio < 1 else f"up by a factor {ratio:.1e}"


def _than(series: Series, other: Series) -> str:
    if abs(np.log(series.decay) - np.log(other.decay)) < 0.05 * abs(np.log(other.decay)):
        return "about as fast as"
    return "faster than" if series.decay < other.decay else "more slowly than"


def _number(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None
