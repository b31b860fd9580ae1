"""Wrong LSTM steps and BPTT, as students write them."""

import numpy as np

from rnncourse.mistakes.recurrent import bptt, numeric_backward, run_sequence, transposed_weights


def _sigmoid(a):
    return np.exp(-np.logaddexp(0.0, -a))


def _swap_o_g(W):
    """Columns in PyTorch's block order i, f, g, o read as the course's i, f, o, g."""
    H = W.shape[-1] // 4
    i, f, g_or_o, o_or_g = (W[..., k * H:(k + 1) * H] for k in range(4))
    return np.concatenate([i, f, o_or_g, g_or_o], axis=-1)


def _step(x, h_prev, c_prev, Wx, Wh, b, cell_tanh=True, candidate=np.tanh):
    H = h_prev.shape[1]
    a = x @ Wx + h_prev @ Wh + b
    i, f, o = _sigmoid(a[:, :H]), _sigmoid(a[:, H:2 * H]), _sigmoid(a[:, 2 * H:3 * H])
    g = candidate(a[:, 3 * H:])
    c = f * c_prev + i * g
    h = o * (np.tanh(c) if cell_tanh else c)
    return h, c, (x, h_prev, c_prev, Wx, Wh, i, f, o, g, c)


def _step_backward(dh_next, dc_next, cache, h_path=True, forget=True,
                   tanh_prime=lambda c: 1 - np.tanh(c) ** 2):
    x, h_prev, c_prev, Wx, Wh, i, f, o, g, c = cache
    dc = dc_next + (dh_next * o * tanh_prime(c) if h_path else 0.0)
    da = np.concatenate([dc * g * i * (1 - i), dc * c_prev * f * (1 - f),
                         dh_next * np.tanh(c) * o * (1 - o), dc * i * (1 - g ** 2)], axis=1)
    dc_prev = dc * f if forget else dc
    return da @ Wx.T, da @ Wh.T, dc_prev, x.T @ da, h_prev.T @ da, da.sum(axis=0)


WRONG_TANH_PRIME = [lambda c: 1 - c ** 2, lambda c: 1 - np.tanh(np.tanh(c)) ** 2]


def variants(reference) -> dict:
    def gate_order(x, h, c, Wx, Wh, b):
        return tuple(reference.lstm_step_forward(x, h, c, _swap_o_g(Wx), _swap_o_g(Wh),
                                                 _swap_o_g(b))[:2])

    def no_cell_tanh(*args):
        return _step(*args, cell_tanh=False)[:2]

    def sigmoid_candidate(*args):
        return _step(*args, candidate=_sigmoid)[:2]

    step_forwards = [("lstm-gate-order-pytorch", gate_order),
                     ("lstm-no-tanh-on-cell", no_cell_tanh),
                     ("lstm-sigmoid-candidate", sigmoid_candidate)]

    def on_inputs(**mistake):
        def wrong(x, h, c, Wx, Wh, b, dh_next, dc_next):
            return _step_backward(dh_next, dc_next, _step(x, h, c, Wx, Wh, b)[2], **mistake)
        return wrong

    step_backwards = [
        ("lstm-dc-missing-h-path", on_inputs(h_path=False)),
        ("lstm-dc-prev-missing-forget", on_inputs(forget=False)),
        ("weight-gradients-transposed", transposed_weights(on_inputs(), (3, 4))),
        *[("tanh-derivative-wrong-state", on_inputs(tanh_prime=d)) for d in WRONG_TANH_PRIME],
        *[(name, numeric_backward(forward, 6)) for name, forward in step_forwards],
    ]

    def sequence(step):
        def forward(x, h0, Wx, Wh, b):
            return (run_sequence(lambda x_t, h, c: step(x_t, h, c, Wx, Wh, b), x, h0, True),)
        return forward

    sequence_forwards = [(name, sequence(step)) for name, step in step_forwards]

    def with_backward(**mistake):
        return lambda dh, dc, cache: _step_backward(dh, dc, cache, **mistake)

    sequence_backwards = [
        ("bptt-not-carried", bptt(_step, with_backward(), True, carry=False)),
        ("bptt-not-carried", bptt(_step, with_backward(), True, carry_cell=False)),
        ("bptt-not-carried", bptt(_step, with_backward(), True, carry=False, carry_cell=True)),
        ("bptt-weights-assigned", bptt(_step, with_backward(), True, accumulate=False)),
        ("lstm-dc-missing-h-path", bptt(_step, with_backward(h_path=False), True)),
        ("lstm-dc-prev-missing-forget", bptt(_step, with_backward(forget=False), True)),
        ("weight-gradients-transposed",
         transposed_weights(bptt(_step, with_backward(), True), (2, 3))),
        *[("tanh-derivative-wrong-state", bptt(_step, with_backward(tanh_prime=d), True))
          for d in WRONG_TANH_PRIME],
        *[(name, numeric_backward(forward, 5)) for name, forward in sequence_forwards],
    ]
    return {
        "lstm_step_forward": step_forwards,
        "lstm_step_backward": step_backwards,
        "lstm_forward": sequence_forwards,
        "lstm_backward": sequence_backwards,
    }
