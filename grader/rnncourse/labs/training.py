"""What the course provides around the student's cell when training: a linear
readout of the last hidden state, its mean squared error, and Adam (float64)."""

from __future__ import annotations

import numpy as np


def readout(h_last: np.ndarray, w: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Predictions (N,) from the last hidden states (N, H), w (H, 1), c (1,)."""
    return (h_last @ w)[:, 0] + c[0]


def mse_and_grads(h_last: np.ndarray, w: np.ndarray, c: np.ndarray,
                  target: np.ndarray) -> tuple[float, np.ndarray, dict]:
    """(loss, dL/dh_last, {"w": dL/dw, "c": dL/dc}) for L = mean((prediction - target)^2)."""
    error = readout(h_last, w, c) - target
    d_prediction = 2.0 * error / error.size
    grads = {"w": h_last.T @ d_prediction[:, None], "c": np.array([d_prediction.sum()])}
    return float(np.mean(error * error)), d_prediction[:, None] * w[:, 0], grads


class Adam:
    """Adam (Kingma and Ba, 2015) with bias correction; ``step`` returns new arrays,
    so parameters are never half updated when Ctrl-C lands mid-step."""

    def __init__(self, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8) -> None:
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.t = 0
        self.m: dict[str, np.ndarray] = {}
        self.v: dict[str, np.ndarray] = {}

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> dict:
        t = self.t + 1
        m = {k: self.beta1 * self.m.get(k, 0.0) + (1 - self.beta1) * grads[k] for k in params}
        v = {k: self.beta2 * self.v.get(k, 0.0) + (1 - self.beta2) * grads[k] ** 2
             for k in params}
        correction1, correction2 = 1 - self.beta1 ** t, 1 - self.beta2 ** t
        new = {k: params[k] - self.lr * (m[k] / correction1)
               / (np.sqrt(v[k] / correction2) + self.eps) for k in params}
        self.t, self.m, self.v = t, m, v
        return new
