"""Numeric gradients by central differences, in float64, and the relative error
used by every numeric comparison in the course."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

TINY = np.finfo(np.float64).tiny


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """max|a - b| / max(|a| + |b|): scale-free, and 0 when both are zero."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.size == 0 and b.size == 0:
        return 0.0
    with np.errstate(all="ignore"):
        difference = np.max(np.abs(a - b))
        scale = np.max(np.abs(a) + np.abs(b))
    if not np.isfinite(difference):
        return float("inf")
    return float(difference / max(scale, TINY))


def elementwise_derivative(
    function: Callable[[np.ndarray], np.ndarray], x: np.ndarray, step: float = 1e-5
) -> np.ndarray:
    """d function / dx for an elementwise function, by central differences."""
    x = np.asarray(x, dtype=np.float64)
    return (function(x + step) - function(x - step)) / (2 * step)
