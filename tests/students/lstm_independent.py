import math

import numpy as np


def _sigmoid(a):
    out = np.empty_like(a)
    positive = a >= 0
    out[positive] = 1 / (1 + np.exp(-a[positive]))
    e = np.exp(a[~positive])
    out[~positive] = e / (1 + e)
    return out


def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    H = h_prev.shape[1]
    W = np.vstack([Wx, Wh])
    a = np.hstack([x, h_prev]) @ W + b
    gates = {"i": _sigmoid(a[:, 0:H]), "f": _sigmoid(a[:, H:2 * H]),
             "o": _sigmoid(a[:, 2 * H:3 * H]), "g": np.tanh(a[:, 3 * H:4 * H])}
    c_next = gates["f"] * c_prev + gates["i"] * gates["g"]
    h_next = gates["o"] * np.tanh(c_next)
    return h_next, c_next, [x, h_prev, c_prev, W, gates, c_next]


def lstm_step_backward(dh_next, dc_next, cache):
    x, h_prev, c_prev, W, gates, c_next = cache
    i, f, o, g = gates["i"], gates["f"], gates["o"], gates["g"]
    t = np.tanh(c_next)
    dc = dc_next + dh_next * o * (1 - t) * (1 + t)
    blocks = [dc * g * i * (1 - i), dc * c_prev * f * (1 - f), dh_next * t * o * (1 - o),
              dc * i * (1 - g) * (1 + g)]
    da = np.hstack(blocks)
    dinputs = da @ W.T
    D = x.shape[1]
    dW = np.hstack([x, h_prev]).T @ da
    return dinputs[:, :D], dinputs[:, D:], dc * f, dW[:D], dW[D:], da.sum(0)


def lstm_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    h, c = h0, np.zeros_like(h0)
    out, caches = np.zeros((N, T, h0.shape[1])), []
    for t in range(T):
        h, c, cache = lstm_step_forward(x[:, t, :], h, c, Wx, Wh, b)
        out[:, t, :] = h
        caches.append(cache)
    return out, caches


def lstm_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D))
    dWx = np.zeros((D, 4 * H))
    dWh = np.zeros((H, 4 * H))
    db = np.zeros(4 * H)
    dh_carry, dc_carry = np.zeros((N, H)), np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t, :], dh_carry, dc_carry, gx, gh, gb = lstm_step_backward(
            dh[:, t, :] + dh_carry, dc_carry, cache[t])
        dWx += gx
        dWh += gh
        db += gb
    assert not math.isnan(float(db.sum()))
    return dx, dh_carry, dWx, dWh, db
