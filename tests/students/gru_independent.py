import numpy as np


def _sigmoid(a):
    return np.exp(-np.logaddexp(0.0, -a))


def gru_update(h_prev, h_tilde, z):
    return h_prev + z * (h_tilde - h_prev)


def gru_step_forward(x, h_prev, Wx, Wh, b):
    H = h_prev.shape[1]
    Wxz, Wxr, Wxn = np.split(Wx, 3, axis=1)
    Whz, Whr, Whn = np.split(Wh, 3, axis=1)
    bz, br, bn = np.split(b, 3)
    z = _sigmoid(x @ Wxz + h_prev @ Whz + bz)
    r = _sigmoid(x @ Wxr + h_prev @ Whr + br)
    n = np.tanh(x @ Wxn + (r * h_prev) @ Whn + bn)
    assert z.shape[1] == H
    cache = {"x": x, "h": h_prev, "W": (Wxz, Wxr, Wxn, Whz, Whr, Whn), "gates": (z, r, n)}
    return gru_update(h_prev, n, z), cache


def gru_step_backward(dh_next, cache):
    x, h = cache["x"], cache["h"]
    Wxz, Wxr, Wxn, Whz, Whr, Whn = cache["W"]
    z, r, n = cache["gates"]
    dn = dh_next * z
    dz = dh_next * (n - h)
    dan = dn * (1 - n * n)
    daz = dz * z * (1 - z)
    drh = dan @ Whn.T
    dar = drh * h * r * (1 - r)
    dx = daz @ Wxz.T + dar @ Wxr.T + dan @ Wxn.T
    dh = dh_next - dh_next * z + drh * r + daz @ Whz.T + dar @ Whr.T
    dWx = np.concatenate([x.T @ daz, x.T @ dar, x.T @ dan], axis=1)
    dWh = np.concatenate([h.T @ daz, h.T @ dar, (r * h).T @ dan], axis=1)
    db = np.concatenate([daz.sum(0), dar.sum(0), dan.sum(0)])
    return dx, dh, dWx, dWh, db


def gru_forward(x, h0, Wx, Wh, b):
    hs, caches, h = [], [], h0
    for t in range(x.shape[1]):
        h, cache = gru_step_forward(x[:, t], h, Wx, Wh, b)
        hs.append(h)
        caches.append(cache)
    return np.stack(hs, axis=1), caches


def gru_backward(dh, cache):
    T = dh.shape[1]
    dxs = [None] * T
    total = None
    carry = np.zeros_like(dh[:, 0])
    for t in range(T - 1, -1, -1):
        dxs[t], carry, *grads = gru_step_backward(dh[:, t] + carry, cache[t])
        total = grads if total is None else [a + g for a, g in zip(total, grads)]
    return (np.stack(dxs, axis=1), carry, *total)
