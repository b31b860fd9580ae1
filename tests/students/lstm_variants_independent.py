"""Right peephole and coupled steps, written differently from the reference:
one sample at a time, separate gate matrices, a hand-made stable sigmoid."""

import numpy as np


def _logistic(v):
    e = np.exp(-np.abs(v))  # never overflows
    return np.where(v >= 0, 1 / (1 + e), e / (1 + e))


def _split(W, k):
    return np.split(W, k, axis=-1)


def peephole_lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b, p):
    Wxi, Wxf, Wxo, Wxg = _split(Wx, 4)
    Whi, Whf, Who, Whg = _split(Wh, 4)
    bi, bf, bo, bg = _split(b, 4)
    p_i, p_f, p_o = p
    hs, cs = [], []
    for xn, hn, cn in zip(x, h_prev, c_prev):
        i = _logistic(xn @ Wxi + hn @ Whi + bi + p_i * cn)
        f = _logistic(xn @ Wxf + hn @ Whf + bf + p_f * cn)
        c = f * cn + i * np.tanh(xn @ Wxg + hn @ Whg + bg)
        o = _logistic(xn @ Wxo + hn @ Who + bo + p_o * c)
        hs.append(o * np.tanh(c))
        cs.append(c)
    return np.array(hs), np.array(cs)


def coupled_lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    W = np.concatenate([Wx, Wh], axis=0)
    z = np.concatenate([x, h_prev], axis=1) @ W + b
    a_f, a_o, a_g = _split(z, 3)
    keep = _logistic(a_f)
    c_next = c_prev + (1 - keep) * (np.tanh(a_g) - c_prev)  # the same mix, rearranged
    return _logistic(a_o) * np.tanh(c_next), c_next
