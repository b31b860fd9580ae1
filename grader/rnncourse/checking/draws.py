"""Input values for public checks, without numpy.random.

Public checks use fixed cases: the same numbers on every run and machine.
They come from a counter hashed with splitmix64, turned into normal values by
Box-Muller. Importing numpy.random would cost about a tenth of a check run's
start-up; hidden checks, which want fresh values, still use a numpy Generator
(the ``rng`` fixture). ``FixedDraw`` has the Generator method the checks use,
``normal(size=...)``, so check code accepts either.
"""

from __future__ import annotations

import functools
import math
from typing import Protocol

import numpy as np


class Draw(Protocol):
    """What check code draws normal values from: a numpy Generator or a FixedDraw."""

    def normal(self, loc: float = ..., scale: float = ...,
               size: int | tuple[int, ...] = ...) -> np.ndarray: ...


def fixed_normal(shape: tuple[int, ...], seed: int) -> np.ndarray:
    """Standard-normal-looking values that depend only on (shape, seed)."""
    return _fixed_normal(tuple(shape), seed).copy()


@functools.lru_cache(maxsize=4096)
def _fixed_normal(shape: tuple[int, ...], seed: int) -> np.ndarray:
    """The same public cases are drawn again for every student graded: once is enough.
    The cached array is never handed out, only copies of it."""
    n = math.prod(shape)
    pairs = (n + 1) // 2
    counter = np.arange(2 * pairs, dtype=np.uint64) + np.uint64(seed % 2**40) * np.uint64(1 << 20)
    bits = _splitmix64(counter)
    uniform = ((bits >> np.uint64(11)).astype(np.float64) + 0.5) / float(1 << 53)
    radius = np.sqrt(-2.0 * np.log(uniform[:pairs]))
    angle = 2.0 * np.pi * uniform[pairs:]
    values = np.concatenate([radius * np.cos(angle), radius * np.sin(angle)])[:n]
    return values.reshape(shape)


def _splitmix64(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        x = x + np.uint64(0x9E3779B97F4A7C15)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


class FixedDraw:
    """A stream of fixed normal arrays: each call gives the next one."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.count = 0

    def normal(self, loc: float = 0.0, scale: float = 1.0,
               size: int | tuple[int, ...] = ()) -> np.ndarray:
        self.count += 1
        shape = (size,) if isinstance(size, int) else tuple(size)
        return loc + scale * fixed_normal(shape, self.seed * 4096 + self.count)
