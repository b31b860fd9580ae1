"""Numeric gradients by central differences, in float64, and the relative error
used by every numeric comparison in the course."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    from rnncourse.checking.draws import Draw

TINY = np.finfo(np.float64).tiny


def relative_error(a: ArrayLike, b: ArrayLike, floor: float = 0.0) -> float:
    """max|a - b| / max(|a| + |b|): scale-free, and 0 when both are zero.

    ``floor`` bounds the denominator from below: below it, differences are
    rounding noise (see noise_floor), not signal.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.size == 0 and b.size == 0:
        return 0.0
    with np.errstate(all="ignore"):
        difference = float(np.abs(a - b).max())  # ndarray methods: no dispatch overhead
        scale = float((np.abs(a) + np.abs(b)).max())
    if difference != difference or difference == float("inf"):
        return float("inf")
    return difference / max(scale, floor, TINY)


def noise_floor(inputs: tuple, upstream: tuple) -> float:
    """The size below which two correct float64 backward passes may disagree.

    When units saturate (tanh or sigmoid near +-1 or 0), the true gradients fall
    below the rounding noise of float64: 1 - tanh(a)**2 computed as written is
    off by ~1e-16 while its true value may be 1e-30. That noise is amplified by
    the upstream gradient, the inputs and the weights, and summed over the
    array widths. The floor is 1e-10 (~5e5 machine epsilons) times
    those magnitudes: negligible next to any gradient that carries signal.
    """
    magnitude = max([1.0] + [float(np.abs(a).max()) for a in inputs if np.size(a)])
    up = max([0.0] + [float(np.abs(u).max()) for u in upstream if np.size(u)])
    width = sum(np.shape(a)[-1] for a in inputs if np.ndim(a))
    return 1e-10 * up * magnitude * magnitude * width


def elementwise_derivative(
    function: Callable[[np.ndarray], np.ndarray], x: np.ndarray, step: float = 1e-5
) -> np.ndarray:
    """d function / dx for an elementwise function, by central differences."""
    x = np.asarray(x, dtype=np.float64)
    return (function(x + step) - function(x - step)) / (2 * step)


STEP = 1e-5
FULL_LIMIT = 16  # arrays up to this many entries are checked entry by entry
DIRECTIONS = 2  # random directions per larger array


def loss(outputs: tuple, upstream: tuple) -> float:
    """The scalar whose gradient a backward function computes: sum(out * dout)."""
    return float(sum(np.sum(out * dout) for out, dout in zip(outputs, upstream)))


def losses(stacked: tuple, upstream: tuple) -> list[float]:
    """``loss`` at many points at once: ``stacked`` holds one array per output,
    with one row per point."""
    total = sum(np.tensordot(rows, dout, axes=dout.ndim) for rows, dout in zip(stacked, upstream))
    return np.asarray(total, dtype=np.float64).tolist()


def plan_perturbations(args: tuple, wrt: list[int], rng: Draw,
                       step: float = STEP, full_limit: int = FULL_LIMIT,
                       directions: int = DIRECTIONS) -> tuple[list, list]:
    """The perturbed evaluations a numeric gradient of ``args[i]`` (i in wrt)
    needs: every entry of a small array, a few random unit directions of a large
    one. Returns (perturbations, plan); plan has one (index, kind, keys) per input."""
    perturbations: list = []
    plan: list = []
    for index in wrt:
        array = args[index]
        if array.size <= full_limit:
            keys = list(range(array.size))
            plan.append((index, "full", keys))
        else:
            keys = []
            for _ in range(directions):
                direction = rng.normal(size=array.shape)
                keys.append(direction / np.linalg.norm(direction))
            plan.append((index, "directional", keys))
        for key in keys:
            perturbations += [[index, key, step], [index, key, -step]]
    return perturbations, plan


def perturbed_points(args: tuple, perturbations: list) -> list[tuple]:
    """The arguments of each planned evaluation: ``args`` with one input moved by
    ``delta`` at one entry or along one direction (a new array; the other inputs
    are ``args``' own)."""
    points = []
    for index, where, delta in perturbations:
        moved = np.array(args[index], dtype=np.float64, copy=True)
        if isinstance(where, np.ndarray):
            moved += delta * where
        else:
            moved.reshape(-1)[where] += delta
        points.append((*args[:index], moved, *args[index + 1:]))
    return points


def numeric_estimates(plan: list, losses: list[float], step: float = STEP
                      ) -> dict[int, np.ndarray]:
    """Central-difference estimates from the losses of the planned evaluations:
    {input index: one derivative per entry ("full") or per direction}."""
    estimates = {}
    position = 0
    for index, _, keys in plan:
        plus = np.array(losses[position:position + 2 * len(keys):2])
        minus = np.array(losses[position + 1:position + 2 * len(keys):2])
        position += 2 * len(keys)
        estimates[index] = (plus - minus) / (2 * step)
    return estimates


def in_plan_terms(plan: list, analytic: dict[int, np.ndarray]) -> dict[int, np.ndarray]:
    """Analytic gradients as the plan's estimates measure them: flattened, or
    projected on each direction."""
    return {index: analytic[index].reshape(-1) if mode == "full"
            else np.array([np.sum(analytic[index] * direction) for direction in keys])
            for index, mode, keys in plan}


def compare_with_numeric(plan: list, losses: list[float], analytic: dict[int, np.ndarray],
                         step: float = STEP) -> dict[int, tuple[float, str]]:
    """Relative error between each analytic gradient and its central-difference
    estimate from the losses of the planned evaluations: {input index: (error, mode)}."""
    numeric = numeric_estimates(plan, losses, step)
    projected = in_plan_terms(plan, analytic)
    return {index: (relative_error(projected[index], numeric[index]), mode)
            for index, mode, _ in plan}
