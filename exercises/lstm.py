# rnncourse exercise (stub c412a1015391): fill in each TODO, then run `rnncourse check`.
"""Exercise: an LSTM, one step and a whole sequence, forward and backward.

Notation (notes: lstm.equations, lstm.backward). N sequences, T steps, D input
features, H hidden units; batches are rows. The four gate blocks share one
weight matrix, in the order i, f, o, g:

    Wx (D, 4H)   Wh (H, 4H)   b (4H,)
    a = x Wx + h_prev Wh + b                   (N, 4H), split into four (N, H) blocks
    i = sigmoid(a[:, 0:H])      input gate
    f = sigmoid(a[:, H:2H])     forget gate
    o = sigmoid(a[:, 2H:3H])    output gate
    g = tanh(a[:, 3H:4H])       candidate cell values
    c_next = f * c_prev + i * g
    h_next = o * tanh(c_next)

Careful: PyTorch stores its blocks in the order i, f, g, o; this course uses
i, f, o, g. A cache is whatever your forward returns for your backward; the
checks never look inside it. No function may modify its arguments.
"""

import numpy as np


def sigmoid(x):
    """Given: a sigmoid that neither overflows nor loses precision for large |x|
    (you wrote your own in activations.py)."""
    return np.exp(-np.logaddexp(0.0, -x))


def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    """One step of the LSTM (equations in the module docstring).

    Inputs:
    - x: (N, D) inputs at this step.
    - h_prev: (N, H) previous hidden state.
    - c_prev: (N, H) previous cell state.
    - Wx: (D, 4H) input-to-gates weights, blocks i, f, o, g.
    - Wh: (H, 4H) hidden-to-gates weights, blocks i, f, o, g.
    - b: (4H,) biases, blocks i, f, o, g.

    Returns a tuple of:
    - h_next: (N, H) new hidden state.
    - c_next: (N, H) new cell state.
    - cache: anything lstm_step_backward needs.
    """
    # TODO: compute the pre-activations a, the gates i, f, o and the candidate g,
    # then c_next and h_next.
    raise NotImplementedError("TODO: implement lstm_step_forward")


def lstm_step_backward(dh_next, dc_next, cache):
    """Backward pass of one LSTM step.

    The cell state receives gradient from two places: directly from the next
    step (dc_next) and through h_next = o * tanh(c_next):

        dc = dc_next + dh_next * o * (1 - tanh(c_next)**2)
        dc_prev = dc * f
        do = dh_next * tanh(c_next)    di = dc * g    df = dc * c_prev    dg = dc * i

    then through each gate's nonlinearity (sigmoid' = s * (1 - s) for i, f, o;
    tanh' = 1 - g**2 for g) to da, and through a = x Wx + h_prev Wh + b.

    Inputs:
    - dh_next: (N, H) gradient with respect to h_next.
    - dc_next: (N, H) gradient with respect to c_next.
    - cache: what lstm_step_forward returned.

    Returns a tuple of:
    - dx: (N, D), dh_prev: (N, H), dc_prev: (N, H),
    - dWx: (D, 4H), dWh: (H, 4H), db: (4H,), gate blocks in the order i, f, o, g.
    """
    # TODO: gather the gradient of the cell state, then of each gate's
    # pre-activation, then of the inputs and parameters.
    raise NotImplementedError("TODO: implement lstm_step_backward")


def lstm_forward(x, h0, Wx, Wh, b):
    """Run the LSTM over a whole sequence; the initial cell state c0 is zero.

    Inputs:
    - x: (N, T, D) input sequence.
    - h0: (N, H) initial hidden state.
    - Wx: (D, 4H), Wh: (H, 4H), b: (4H,) as in lstm_step_forward.

    Returns a tuple of:
    - h: (N, T, H) hidden states of every step (the cell states are not returned).
    - cache: anything lstm_backward needs.
    """
    # TODO: start from c0 = 0 and loop over the steps with lstm_step_forward.
    raise NotImplementedError("TODO: implement lstm_forward")


def lstm_backward(dh, cache):
    """Backpropagation through time for the LSTM.

    Walking back from the last step, carry two gradients from step to step:
    the hidden state's (added to dh[:, t, :]) and the cell state's (nothing
    upstream adds to it: the loss sees only the hidden states). Sum the
    parameter gradients over the steps.

    Inputs:
    - dh: (N, T, H) upstream gradients of all hidden states.
    - cache: what lstm_forward returned.

    Returns a tuple of:
    - dx: (N, T, D), dh0: (N, H),
    - dWx: (D, 4H), dWh: (H, 4H), db: (4H,).
    """
    # TODO: walk the steps backwards with lstm_step_backward, carrying dh and dc.
    raise NotImplementedError("TODO: implement lstm_backward")
