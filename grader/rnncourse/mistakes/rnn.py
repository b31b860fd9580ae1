"""Wrong RNN steps and BPTT, as students write them."""

import numpy as np

from rnncourse.mistakes.recurrent import bptt, transposed_weights


def _step_backward_with(derivative):
    """rnn_step_backward with tanh' computed by ``derivative(pre, h_prev, h_next)``."""

    def step_backward(dh_next, cache):
        x, h_prev, Wx, Wh, b = cache
        pre = x @ Wx + h_prev @ Wh + b
        da = dh_next * derivative(pre, h_prev, np.tanh(pre))
        return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)

    return step_backward


WRONG_DERIVATIVES = [
    lambda pre, h_prev, h_next: 1 - h_prev ** 2,  # at the previous state
    lambda pre, h_prev, h_next: 1 - pre ** 2,  # the activation shortcut on the pre-activation
    lambda pre, h_prev, h_next: 1 - np.tanh(h_next) ** 2,  # tanh applied twice
]


def _cached_step(x, h_prev, Wx, Wh, b):
    h_next = np.tanh(x @ Wx + h_prev @ Wh + b)
    return h_next, (x, h_prev, Wx, Wh, b)


def variants(reference) -> dict:
    def on_inputs(step_backward):
        def wrong(x, h_prev, Wx, Wh, b, dh_next):
            return step_backward(dh_next, (x, h_prev, Wx, Wh, b))
        return wrong

    right_step = _step_backward_with(lambda pre, h_prev, h_next: 1 - h_next ** 2)
    step_table = [("tanh-derivative-wrong-state", on_inputs(_step_backward_with(d)))
                  for d in WRONG_DERIVATIVES]
    step_table.append(("weight-gradients-transposed",
                       transposed_weights(on_inputs(right_step), (2, 3))))

    sequence_table = [
        ("bptt-not-carried", bptt(_cached_step, right_step, False, carry=False)),
        ("bptt-weights-assigned", bptt(_cached_step, right_step, False, accumulate=False)),
        ("weight-gradients-transposed",
         transposed_weights(bptt(_cached_step, right_step, False), (2, 3))),
    ]
    sequence_table += [("tanh-derivative-wrong-state",
                        bptt(_cached_step, _step_backward_with(d), False))
                       for d in WRONG_DERIVATIVES]
    return {"rnn_step_backward": step_table, "rnn_backward": sequence_table}
