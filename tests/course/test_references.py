"""The reference solutions agree with independent formulations to 1e-10."""

import numpy as np
import pytest
from helpers.course import ROOT

from rnncourse.checking.gradcheck import relative_error
from rnncourse.course.loader import load_module


@pytest.fixture(scope="module")
def lstm():
    return load_module(ROOT / "solutions" / "lstm.py", "reference_lstm_for_tests")


@pytest.fixture(scope="module")
def gru():
    return load_module(ROOT / "solutions" / "gru.py", "reference_gru_for_tests")


def logistic(v):
    return 1.0 / (1.0 + np.exp(-v))


def slides_lstm_step(x, h, c, W, b):
    """The slides' form: one matrix W (4H, H + D) on the column vector [h; x],
    one sample at a time."""
    H = h.shape[0]
    z = W @ np.concatenate([h, x]) + b
    i, f, o = logistic(z[:H]), logistic(z[H:2 * H]), logistic(z[2 * H:3 * H])
    g = np.tanh(z[3 * H:])
    c_next = f * c + i * g
    return o * np.tanh(c_next), c_next


def test_lstm_matches_the_concatenated_form(lstm):
    rng = np.random.default_rng(0)
    N, T, D, H = 3, 6, 4, 5
    x, h0 = rng.normal(size=(N, T, D)), rng.normal(size=(N, H))
    Wx, Wh, b = rng.normal(size=(D, 4 * H)), rng.normal(size=(H, 4 * H)), rng.normal(size=4 * H)
    W = np.concatenate([Wh, Wx], axis=0).T  # (4H, H + D) acting on [h; x]
    expected = np.empty((N, T, H))
    for n in range(N):
        h, c = h0[n], np.zeros(H)
        for t in range(T):
            h, c = slides_lstm_step(x[n, t], h, c, W, b)
            expected[n, t] = h
    got, _ = lstm.lstm_forward(x, h0, Wx, Wh, b)
    assert relative_error(got, expected) < 1e-10
    c_prev = rng.normal(size=(N, H))
    h_next, c_next, _ = lstm.lstm_step_forward(x[:, 0], h0, c_prev, Wx, Wh, b)
    for n in range(N):
        h_n, c_n = slides_lstm_step(x[n, 0], h0[n], c_prev[n], W, b)
        assert relative_error(h_next[n], h_n) < 1e-10
        assert relative_error(c_next[n], c_n) < 1e-10


def test_gru_matches_its_equations(gru):
    """Separate matrices per gate, column-vector form, one sample at a time."""
    rng = np.random.default_rng(1)
    N, T, D, H = 2, 5, 3, 4
    x, h0 = rng.normal(size=(N, T, D)), rng.normal(size=(N, H))
    Wx, Wh, b = rng.normal(size=(D, 3 * H)), rng.normal(size=(H, 3 * H)), rng.normal(size=3 * H)
    W_z, W_r, W_n = (Wx[:, k * H:(k + 1) * H].T for k in range(3))
    U_z, U_r, U_n = (Wh[:, k * H:(k + 1) * H].T for k in range(3))
    b_z, b_r, b_n = (b[k * H:(k + 1) * H] for k in range(3))
    expected = np.empty((N, T, H))
    for n in range(N):
        h = h0[n]
        for t in range(T):
            z = logistic(W_z @ x[n, t] + U_z @ h + b_z)
            r = logistic(W_r @ x[n, t] + U_r @ h + b_r)
            candidate = np.tanh(W_n @ x[n, t] + U_n @ (r * h) + b_n)
            h = (1 - z) * h + z * candidate
            expected[n, t] = h
    got, _ = gru.gru_forward(x, h0, Wx, Wh, b)
    assert relative_error(got, expected) < 1e-10
