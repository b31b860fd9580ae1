"""Wrong GRU updates, steps and BPTT, as students write them."""

import numpy as np

from rnncourse.mistakes.recurrent import bptt, numeric_backward, run_sequence, transposed_weights


def _sigmoid(a):
    return np.exp(-np.logaddexp(0.0, -a))


def swapped_update(h_prev, h_tilde, z):
    # PyTorch's and Cho et al.'s convention
    return z * h_prev + (1 - z) * h_tilde


def _step(x, h_prev, Wx, Wh, b, swapped=False, reset_after=False):
    H = h_prev.shape[1]
    ax = x @ Wx + b
    z = _sigmoid(ax[:, :H] + h_prev @ Wh[:, :H])
    r = _sigmoid(ax[:, H:2 * H] + h_prev @ Wh[:, H:2 * H])
    if reset_after:
        n = np.tanh(ax[:, 2 * H:] + r * (h_prev @ Wh[:, 2 * H:]))
    else:
        n = np.tanh(ax[:, 2 * H:] + (r * h_prev) @ Wh[:, 2 * H:])
    h = swapped_update(h_prev, n, z) if swapped else (1 - z) * h_prev + z * n
    return h, (x, h_prev, Wx, Wh, z, r, n)


def _step_backward(dh_next, cache, reset_in_dwh=True):
    x, h_prev, Wx, Wh, z, r, n = cache
    H = h_prev.shape[1]
    da_z = dh_next * (n - h_prev) * z * (1 - z)
    da_n = dh_next * z * (1 - n ** 2)
    d_rh = da_n @ Wh[:, 2 * H:].T
    da_r = d_rh * h_prev * r * (1 - r)
    da = np.concatenate([da_z, da_r, da_n], axis=1)
    dh_prev = dh_next * (1 - z) + d_rh * r + da_z @ Wh[:, :H].T + da_r @ Wh[:, H:2 * H].T
    candidate_input = r * h_prev if reset_in_dwh else h_prev
    dWh = np.concatenate([h_prev.T @ da_z, h_prev.T @ da_r, candidate_input.T @ da_n], axis=1)
    return da @ Wx.T, dh_prev, x.T @ da, dWh, da.sum(axis=0)


def variants(reference) -> dict:
    def swapped(*args):
        return _step(*args, swapped=True)[:1]

    def reset_after(*args):
        return _step(*args, reset_after=True)[:1]

    step_forwards = [("gru-update-swapped", swapped), ("gru-reset-after-matmul", reset_after)]

    def on_inputs(**mistake):
        def wrong(x, h, Wx, Wh, b, dh_next):
            return _step_backward(dh_next, _step(x, h, Wx, Wh, b)[1], **mistake)
        return wrong

    step_backwards = [
        ("gru-dwh-without-reset", on_inputs(reset_in_dwh=False)),
        ("weight-gradients-transposed", transposed_weights(on_inputs(), (2, 3))),
        *[(name, numeric_backward(forward, 5)) for name, forward in step_forwards],
    ]

    def sequence(**mistake):
        def forward(x, h0, Wx, Wh, b):
            return (run_sequence(lambda x_t, h: _step(x_t, h, Wx, Wh, b, **mistake)[:1],
                                 x, h0, False),)
        return forward

    sequence_forwards = [("gru-update-swapped", sequence(swapped=True)),
                         ("gru-reset-after-matmul", sequence(reset_after=True))]
    sequence_backwards = [
        ("bptt-not-carried", bptt(_step, _step_backward, False, carry=False)),
        ("bptt-weights-assigned", bptt(_step, _step_backward, False, accumulate=False)),
        ("gru-dwh-without-reset", bptt(
            _step, lambda dh, cache: _step_backward(dh, cache, reset_in_dwh=False), False)),
        ("weight-gradients-transposed",
         transposed_weights(bptt(_step, _step_backward, False), (2, 3))),
        *[(name, numeric_backward(forward, 5)) for name, forward in sequence_forwards],
    ]
    return {
        "gru_update": [("gru-update-swapped", swapped_update)],
        "gru_step_forward": step_forwards,
        "gru_step_backward": step_backwards,
        "gru_forward": sequence_forwards,
        "gru_backward": sequence_backwards,
    }
