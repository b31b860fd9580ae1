import numpy as np


def rnn_step_forward(x, h_prev, Wx, Wh, b):
    pre = np.dot(x, Wx) + np.dot(h_prev, Wh) + b[None, :]
    return np.tanh(pre), {"pre": pre, "inputs": (x, h_prev), "weights": (Wx, Wh)}


def rnn_step_backward(dh_next, cache):
    x, h_prev = cache["inputs"]
    Wx, Wh = cache["weights"]
    dpre = dh_next / np.cosh(cache["pre"]) ** 2
    return (np.dot(dpre, Wx.T), np.dot(dpre, Wh.T), np.einsum("nd,nh->dh", x, dpre),
            np.einsum("ni,nj->ij", h_prev, dpre), np.sum(dpre, axis=0))


def rnn_forward(x, h0, Wx, Wh, b):
    states, caches = [h0], []
    for x_t in np.moveaxis(x, 1, 0):
        h, c = rnn_step_forward(x_t, states[-1], Wx, Wh, b)
        states.append(h)
        caches.append(c)
    return np.stack(states[1:], axis=1), {"steps": caches, "D": x.shape[2]}


def rnn_backward(dh, cache):
    N, T, H = dh.shape
    dx = np.zeros((N, T, cache["D"]))
    grads = None
    carry = np.zeros((N, H))
    for t in range(T - 1, -1, -1):
        dx[:, t], carry, *step = rnn_step_backward(dh[:, t] + carry, cache["steps"][t])
        grads = step if grads is None else [g + s for g, s in zip(grads, step)]
    return (dx, carry, *grads)
