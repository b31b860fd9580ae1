"""Wrong peephole and coupled LSTM steps, as students write them."""

import numpy as np


def _sigmoid(a):
    return np.exp(-np.logaddexp(0.0, -a))


def peephole_output_sees_old_cell(x, h_prev, c_prev, Wx, Wh, b, p):
    # every peephole reads c_prev, the output gate's included
    H = h_prev.shape[1]
    a = x @ Wx + h_prev @ Wh + b
    i = _sigmoid(a[:, :H] + p[0] * c_prev)
    f = _sigmoid(a[:, H:2 * H] + p[1] * c_prev)
    o = _sigmoid(a[:, 2 * H:3 * H] + p[2] * c_prev)
    c_next = f * c_prev + i * np.tanh(a[:, 3 * H:])
    return o * np.tanh(c_next), c_next


def _coupled(x, h_prev, c_prev, Wx, Wh, b, write):
    H = h_prev.shape[1]
    a = x @ Wx + h_prev @ Wh + b
    f, o, g = _sigmoid(a[:, :H]), _sigmoid(a[:, H:2 * H]), np.tanh(a[:, 2 * H:])
    c_next = write(f, c_prev, g)
    return o * np.tanh(c_next), c_next


def coupled_input_as_forget(*args):
    return _coupled(*args, write=lambda f, c, g: f * c + f * g)


def coupled_roles_swapped(*args):
    return _coupled(*args, write=lambda f, c, g: (1 - f) * c + f * g)


MISTAKES = {
    "peephole_lstm_step_forward": [
        ("peephole-output-old-cell", peephole_output_sees_old_cell),
    ],
    "coupled_lstm_step_forward": [
        ("coupled-input-as-forget", coupled_input_as_forget),
        ("coupled-roles-swapped", coupled_roles_swapped),
    ],
}
