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
    ### BEGIN SOLUTION
    H = h_prev.shape[1]
    a = x @ Wx + h_prev @ Wh + b
    i = sigmoid(a[:, :H])
    f = sigmoid(a[:, H:2 * H])
    o = sigmoid(a[:, 2 * H:3 * H])
    g = np.tanh(a[:, 3 * H:])
    c_next = f * c_prev + i * g
    tanh_c = np.tanh(c_next)
    h_next = o * tanh_c
    cache = (x, h_prev, c_prev, Wx, Wh, i, f, o, g, tanh_c)
    return h_next, c_next, cache
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    x, h_prev, c_prev, Wx, Wh, i, f, o, g, tanh_c = cache
    dc = dc_next + dh_next * o * (1.0 - tanh_c * tanh_c)
    da = np.concatenate([
        dc * g * i * (1.0 - i),
        dc * c_prev * f * (1.0 - f),
        dh_next * tanh_c * o * (1.0 - o),
        dc * i * (1.0 - g * g),
    ], axis=1)
    dx = da @ Wx.T
    dh_prev = da @ Wh.T
    dc_prev = dc * f
    dWx = x.T @ da
    dWh = h_prev.T @ da
    db = da.sum(axis=0)
    return dx, dh_prev, dc_prev, dWx, dWh, db
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    N, T, _ = x.shape
    H = h0.shape[1]
    h = np.empty((N, T, H))
    h_prev, c_prev = h0, np.zeros((N, H))
    caches = []
    for t in range(T):
        h_prev, c_prev, step_cache = lstm_step_forward(x[:, t, :], h_prev, c_prev, Wx, Wh, b)
        h[:, t, :] = h_prev
        caches.append(step_cache)
    return h, caches
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    caches = cache
    N, T, H = dh.shape
    dx_steps = []
    dh_prev = np.zeros((N, H))
    dc_prev = np.zeros((N, H))
    dWx = dWh = db = 0.0
    for t in reversed(range(T)):
        dx_t, dh_prev, dc_prev, dWx_t, dWh_t, db_t = lstm_step_backward(
            dh[:, t, :] + dh_prev, dc_prev, caches[t])
        dx_steps.append(dx_t)
        dWx = dWx + dWx_t
        dWh = dWh + dWh_t
        db = db + db_t
    dx = np.stack(dx_steps[::-1], axis=1)
    return dx, dh_prev, dWx, dWh, db
    ### END SOLUTION
