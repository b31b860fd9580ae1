"""Building blocks for wrong recurrent implementations.

A wrong forward implies a wrong backward: a student who slices the LSTM gates
in the wrong order usually writes a backward that is right *for that forward*.
``numeric_backward`` derives that backward by central differences (float64,
accurate to ~1e-9 relative, far inside the 1e-6 used to match), so every
forward mistake is also recognised in the backward checks without writing
its backward by hand. It runs only when a check has already failed.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

STEP = 1e-5


def numeric_backward(forward: Callable[..., tuple], n_inputs: int) -> Callable[..., tuple]:
    """A backward variant: (*forward inputs, *upstream) -> gradient of
    sum(out * dout) with respect to each forward input, by central differences."""

    def backward(*values):
        inputs = [np.array(value, dtype=np.float64) for value in values[:n_inputs]]
        upstream = values[n_inputs:]

        def loss() -> float:
            return float(sum(np.sum(out * dout) for out, dout in zip(forward(*inputs), upstream)))

        grads = []
        for array in inputs:
            grad = np.zeros_like(array)
            flat, flat_grad = array.reshape(-1), grad.reshape(-1)
            for index in range(flat.size):
                old = flat[index]
                flat[index] = old + STEP
                plus = loss()
                flat[index] = old - STEP
                minus = loss()
                flat[index] = old
                flat_grad[index] = (plus - minus) / (2 * STEP)
            grads.append(grad)
        return tuple(grads)

    return backward


def run_sequence(step: Callable, x: np.ndarray, h0: np.ndarray, cell_state: bool) -> np.ndarray:
    """h (N, T, H) from a step function (x_t, h, [c,] ...) -> (h, [c,] ...)."""
    N, T, _ = x.shape
    h = np.empty((N, T, h0.shape[1]))
    state = (h0, np.zeros_like(h0)) if cell_state else (h0,)
    for t in range(T):
        state = step(x[:, t, :], *state)
        h[:, t, :] = state[0]
    return h


def bptt(step_forward: Callable, step_backward: Callable, cell_state: bool,
         carry: bool = True, accumulate: bool = True, carry_cell: bool | None = None) -> Callable:
    """A sequence backward variant (x, h0, Wx, Wh, b, dh) -> (dx, dh0, dWx, dWh, db)
    built on step functions, with one BPTT mistake switched on:
    ``carry=False`` drops the hidden-state gradient flowing back from later steps;
    ``carry_cell=False`` drops the cell-state one (default: as ``carry``);
    ``accumulate=False`` keeps only the last weight gradients computed."""
    carry_cell = carry if carry_cell is None else carry_cell

    def backward(x, h0, Wx, Wh, b, dh):
        N, T, _ = x.shape
        caches = []
        state = (h0, np.zeros_like(h0)) if cell_state else (h0,)
        for t in range(T):
            *state, cache = step_forward(x[:, t, :], *state, Wx, Wh, b)
            caches.append(cache)
        dx = np.zeros_like(x)
        dh_next = np.zeros_like(h0)
        dc_next = np.zeros_like(h0)
        dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
        for t in reversed(range(T)):
            upstream = dh[:, t, :] + (dh_next if carry else 0.0)
            if cell_state:
                dc = dc_next if carry_cell else np.zeros_like(h0)
                dx[:, t, :], dh_next, dc_next, gWx, gWh, gb = step_backward(
                    upstream, dc, caches[t])
            else:
                dx[:, t, :], dh_next, gWx, gWh, gb = step_backward(upstream, caches[t])
            if accumulate:
                dWx, dWh, db = dWx + gWx, dWh + gWh, db + gb
            else:
                dWx, dWh, db = gWx, gWh, gb
        return dx, dh_next, dWx, dWh, db

    return backward


def transposed_weights(backward: Callable, weight_positions: tuple[int, ...]) -> Callable:
    """A backward variant returning the weight gradients transposed."""

    def wrong(*values):
        grads = list(backward(*values))
        for position in weight_positions:
            grads[position] = grads[position].T
        return tuple(grads)

    return wrong
