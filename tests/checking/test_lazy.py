"""Code that does not do the work earns nothing: every check, property checks
included, counts only when the result is right."""

import textwrap

import pytest
from helpers.course import check

LAZY = {
    "activations": """
        def sigmoid(x):
            return np.zeros_like(x)

        def sigmoid_derivative(x):
            return np.full_like(x, 0.25) * (x == 0)

        def tanh_derivative(x):
            return np.ones_like(x) * (x == 0)
    """,
    "clipping": """
        def global_norm(grads):
            return 0.0

        def clip_by_global_norm(grads, max_norm):
            if max_norm <= 0:
                raise ValueError("max_norm")
            return {k: g.copy() for k, g in grads.items()}, 0.0
    """,
    "rnn": """
        def rnn_step_forward(x, h_prev, Wx, Wh, b):
            return np.zeros_like(h_prev), None

        def rnn_step_backward(dh_next, cache):
            return 0, 0, 0, 0, 0

        def rnn_forward(x, h0, Wx, Wh, b):
            return np.zeros((x.shape[0], x.shape[1], h0.shape[1])), None

        def rnn_backward(dh, cache):
            return 0, 0, 0, 0, 0
    """,
    "lstm": """
        def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
            return np.zeros_like(h_prev), c_prev.copy(), (x, h_prev, c_prev, Wx, Wh)

        def lstm_step_backward(dh_next, dc_next, cache):
            x, h_prev, c_prev, Wx, Wh = cache
            return (np.zeros_like(x), np.zeros_like(h_prev), np.zeros_like(c_prev),
                    np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(Wx.shape[1]))

        def lstm_forward(x, h0, Wx, Wh, b):
            return np.zeros((x.shape[0], x.shape[1], h0.shape[1])), (x, h0, Wx, Wh, b)

        def lstm_backward(dh, cache):
            x, h0, Wx, Wh, b = cache
            return (np.zeros_like(x), np.zeros_like(h0), np.zeros_like(Wx),
                    np.zeros_like(Wh), np.zeros_like(b))
    """,
    "gru": """
        def gru_update(h_prev, h_tilde, z):
            return h_prev.copy()

        def gru_step_forward(x, h_prev, Wx, Wh, b):
            return h_prev.copy(), (x, h_prev, Wx, Wh, b)

        def gru_step_backward(dh_next, cache):
            x, h_prev, Wx, Wh, b = cache
            return (np.zeros_like(x), dh_next.copy(), np.zeros_like(Wx), np.zeros_like(Wh),
                    np.zeros_like(b))

        def gru_forward(x, h0, Wx, Wh, b):
            return np.repeat(h0[:, None, :], x.shape[1], axis=1), (x, h0, Wx, Wh, b)

        def gru_backward(dh, cache):
            x, h0, Wx, Wh, b = cache
            return (np.zeros_like(x), dh.sum(axis=1), np.zeros_like(Wx), np.zeros_like(Wh),
                    np.zeros_like(b))
    """,
    "lstm_variants": """
        def peephole_lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b, p):
            return np.zeros_like(h_prev), c_prev.copy()

        def coupled_lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
            return np.zeros_like(h_prev), c_prev.copy()
    """,
}


@pytest.mark.parametrize("exercise", list(LAZY))
def test_lazy_code_scores_zero(course, student, exercise):
    code = "import numpy as np\n" + textwrap.dedent(LAZY[exercise])
    result = check(course, student(exercise, code, base=""), exercise, hidden=True)
    assert not any(c.kind in ("import", "missing", "not-implemented") for c in result.checks)
    earned = {c.id: c.points for c in result.checks if c.passed}
    assert not earned, earned
