"""Exercise: a GRU, the (1 - z) update, one step and a whole sequence.

Notation (notes: gru.gates, gru.update-convention, gru.reset-placement). N
sequences, T steps, D input features, H hidden units; batches are rows. The
three blocks share one weight matrix, in the order z, r, n:

    Wx (D, 3H)   Wh (H, 3H)   b (3H,)       block k is columns k*H to (k+1)*H
    z = sigmoid(x Wx_z + h_prev Wh_z + b_z)                  update gate
    r = sigmoid(x Wx_r + h_prev Wh_r + b_r)                  reset gate
    h_tilde = tanh(x Wx_n + (r * h_prev) Wh_n + b_n)         candidate state
    h_next = (1 - z) * h_prev + z * h_tilde

The reset gate multiplies h_prev BEFORE the matrix product (PyTorch applies
it after: r * (h_prev Wh_n + b_hn)). And z = 1 means "take the candidate":
PyTorch and Cho et al. (2014) write the mirror image
h = z * h_prev + (1 - z) * h_tilde, the same update rule with z and 1 - z
swapped. Comparing with a library? Swap back first, then check the reset
placement, the block order and the weight layout (notes: gru.update-convention).

A cache is whatever your forward returns for your backward; the checks never
look inside it. No function may modify its arguments.
"""

import numpy as np


def sigmoid(x):
    """Given: a sigmoid that neither overflows nor loses precision for large |x|
    (you wrote your own in activations.py)."""
    return np.exp(-np.logaddexp(0.0, -x))


def gru_update(h_prev, h_tilde, z):
    """The GRU's interpolation between the old state and the candidate.

        h_next = (1 - z) * h_prev + z * h_tilde

    z = 0 keeps h_prev exactly; z = 1 replaces it with h_tilde.

    Inputs:
    - h_prev: (N, H) previous hidden state.
    - h_tilde: (N, H) candidate state.
    - z: (N, H) update gate, values in [0, 1].

    Returns:
    - h_next: (N, H).
    """
    # TODO: mix h_prev and h_tilde with weights 1 - z and z.
    ### BEGIN SOLUTION
    return (1.0 - z) * h_prev + z * h_tilde
    ### END SOLUTION


def gru_step_forward(x, h_prev, Wx, Wh, b):
    """One step of the GRU (equations in the module docstring); use gru_update.

    Inputs:
    - x: (N, D) inputs at this step.
    - h_prev: (N, H) previous hidden state.
    - Wx: (D, 3H), Wh: (H, 3H), b: (3H,), blocks z, r, n.

    Returns a tuple of:
    - h_next: (N, H) new hidden state.
    - cache: anything gru_step_backward needs.
    """
    # TODO: compute z and r, the candidate with the reset gate applied to h_prev
    # before its matrix product, then h_next with gru_update.
    ### BEGIN SOLUTION
    H = h_prev.shape[1]
    ax = x @ Wx + b
    z = sigmoid(ax[:, :H] + h_prev @ Wh[:, :H])
    r = sigmoid(ax[:, H:2 * H] + h_prev @ Wh[:, H:2 * H])
    reset_h = r * h_prev
    h_tilde = np.tanh(ax[:, 2 * H:] + reset_h @ Wh[:, 2 * H:])
    h_next = gru_update(h_prev, h_tilde, z)
    cache = (x, h_prev, Wx, Wh, z, r, reset_h, h_tilde)
    return h_next, cache
    ### END SOLUTION


def gru_step_backward(dh_next, cache):
    """Backward pass of one GRU step.

    dh_prev is the sum of four terms, one for each way h_prev enters the step:
    directly through (1 - z), through the pre-activations of the gates z and r
    (which contain h_prev Wh_z and h_prev Wh_r), and through the candidate,
    where it enters as r * h_prev. With a_z, a_r, a_n the three
    pre-activations:

        dz = dh_next * (h_tilde - h_prev)      dh_tilde = dh_next * z
        da_n = dh_tilde * (1 - h_tilde**2)     d(r * h_prev) = da_n Wh_n^T
        dr = d(r * h_prev) * h_prev            da_r = dr * r * (1 - r)
        da_z = dz * z * (1 - z)
        dh_prev = dh_next * (1 - z) + d(r * h_prev) * r + da_z Wh_z^T + da_r Wh_r^T

    Inputs:
    - dh_next: (N, H) gradient with respect to h_next.
    - cache: what gru_step_forward returned.

    Returns a tuple of:
    - dx: (N, D), dh_prev: (N, H),
    - dWx: (D, 3H), dWh: (H, 3H), db: (3H,), blocks z, r, n.
    """
    # TODO: follow each path from h_next back to the pre-activations, the inputs
    # and the weights; note that Wh_n multiplies r * h_prev, not h_prev.
    ### BEGIN SOLUTION
    x, h_prev, Wx, Wh, z, r, reset_h, h_tilde = cache
    H = h_prev.shape[1]
    da_z = dh_next * (h_tilde - h_prev) * z * (1.0 - z)
    da_n = dh_next * z * (1.0 - h_tilde * h_tilde)
    d_reset_h = da_n @ Wh[:, 2 * H:].T
    da_r = d_reset_h * h_prev * r * (1.0 - r)
    da = np.concatenate([da_z, da_r, da_n], axis=1)
    dx = da @ Wx.T
    dh_prev = (dh_next * (1.0 - z) + d_reset_h * r
               + da_z @ Wh[:, :H].T + da_r @ Wh[:, H:2 * H].T)
    dWx = x.T @ da
    dWh = np.concatenate([h_prev.T @ da_z, h_prev.T @ da_r, reset_h.T @ da_n], axis=1)
    db = da.sum(axis=0)
    return dx, dh_prev, dWx, dWh, db
    ### END SOLUTION


def gru_forward(x, h0, Wx, Wh, b):
    """Run the GRU over a whole sequence.

    Inputs:
    - x: (N, T, D) input sequence.
    - h0: (N, H) initial hidden state.
    - Wx: (D, 3H), Wh: (H, 3H), b: (3H,) as in gru_step_forward.

    Returns a tuple of:
    - h: (N, T, H) hidden states of every step.
    - cache: anything gru_backward needs.
    """
    # TODO: loop over the steps with gru_step_forward.
    ### BEGIN SOLUTION
    N, T, _ = x.shape
    h = np.empty((N, T, h0.shape[1]))
    h_prev = h0
    caches = []
    for t in range(T):
        h_prev, step_cache = gru_step_forward(x[:, t, :], h_prev, Wx, Wh, b)
        h[:, t, :] = h_prev
        caches.append(step_cache)
    return h, caches
    ### END SOLUTION


def gru_backward(dh, cache):
    """Backpropagation through time for the GRU.

    Inputs:
    - dh: (N, T, H) upstream gradients of all hidden states.
    - cache: what gru_forward returned.

    Returns a tuple of:
    - dx: (N, T, D), dh0: (N, H),
    - dWx: (D, 3H), dWh: (H, 3H), db: (3H,).
    """
    # TODO: walk the steps backwards with gru_step_backward, carrying dh and
    # adding up the parameter gradients.
    ### BEGIN SOLUTION
    caches = cache
    N, T, H = dh.shape
    dx_steps = []
    dh_prev = np.zeros((N, H))
    dWx = dWh = db = 0.0
    for t in reversed(range(T)):
        dx_t, dh_prev, dWx_t, dWh_t, db_t = gru_step_backward(dh[:, t, :] + dh_prev, caches[t])
        dx_steps.append(dx_t)
        dWx = dWx + dWx_t
        dWh = dWh + dWh_t
        db = db + db_t
    dx = np.stack(dx_steps[::-1], axis=1)
    return dx, dh_prev, dWx, dWh, db
    ### END SOLUTION
