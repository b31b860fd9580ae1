# rnncourse exercise (stub 96a4d6f8a593): fill in each TODO, then run `rnncourse check`.
"""Extension exercise (optional): two LSTM variants, one step forward each.

Notation as in lstm.py (notes: variants.peephole, variants.coupled). N
sequences in a batch, D input features, H hidden units; batches are rows.
Both functions return the new hidden and cell states, and nothing else: there
is no backward pass to write here, so no cache.

Peephole LSTM: the gates also look at the cell state, each through a vector of
H peephole weights applied elementwise. The input and forget gates see the old
cell c_prev; the output gate sees the new one, c_next, so it is computed after
the cell update.

    a = x Wx + h_prev Wh + b                  Wx (D, 4H), blocks i, f, o, g as in lstm.py
    i = sigmoid(a_i + p_i * c_prev)
    f = sigmoid(a_f + p_f * c_prev)
    g = tanh(a_g)
    c_next = f * c_prev + i * g
    o = sigmoid(a_o + p_o * c_next)
    h_next = o * tanh(c_next)

Coupled LSTM: one gate decides both how much to forget and how much to write.
There is no separate input gate; it is 1 - f, so the weights have three
blocks only, in the order f, o, g:

    a = x Wx + h_prev Wh + b                  Wx (D, 3H), blocks f, o, g
    f = sigmoid(a_f)      o = sigmoid(a_o)      g = tanh(a_g)
    c_next = f * c_prev + (1 - f) * g
    h_next = o * tanh(c_next)

No function may modify its arguments.
"""

import numpy as np


def sigmoid(x):
    """Given: a sigmoid that neither overflows nor loses precision for large |x|
    (you wrote your own in activations.py)."""
    return np.exp(-np.logaddexp(0.0, -x))


def peephole_lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b, p):
    """One step of an LSTM with peephole connections (equations in the module
    docstring).

    Inputs:
    - x: (N, D) inputs at this step.
    - h_prev: (N, H) previous hidden state.
    - c_prev: (N, H) previous cell state.
    - Wx: (D, 4H) input-to-gates weights, blocks i, f, o, g.
    - Wh: (H, 4H) hidden-to-gates weights, blocks i, f, o, g.
    - b: (4H,) biases, blocks i, f, o, g.
    - p: (3, H) peephole weights: p[0] = p_i, p[1] = p_f, p[2] = p_o, each
      multiplying the cell state elementwise.

    Returns a tuple of:
    - h_next: (N, H) new hidden state.
    - c_next: (N, H) new cell state.
    """
    # TODO: the input and forget gates with their peepholes on c_prev, the candidate,
    # c_next, then the output gate with its peephole on c_next, and h_next.
    raise NotImplementedError("TODO: implement peephole_lstm_step_forward")


def coupled_lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    """One step of an LSTM whose input gate is tied to its forget gate: i = 1 - f
    (equations in the module docstring).

    Inputs:
    - x: (N, D) inputs at this step.
    - h_prev: (N, H) previous hidden state.
    - c_prev: (N, H) previous cell state.
    - Wx: (D, 3H) input-to-gates weights, blocks f, o, g.
    - Wh: (H, 3H) hidden-to-gates weights, blocks f, o, g.
    - b: (3H,) biases, blocks f, o, g.

    Returns a tuple of:
    - h_next: (N, H) new hidden state.
    - c_next: (N, H) new cell state.
    """
    # TODO: the forget and output gates and the candidate from the three blocks, then
    # c_next with 1 - f in place of an input gate, and h_next.
    raise NotImplementedError("TODO: implement coupled_lstm_step_forward")
