"""Exercise: a vanilla RNN, one step and a whole sequence, forward and backward.

Notation (notes: rnn.hidden-state, rnn.bptt). A minibatch of N sequences, each
T steps long, with D input features and H hidden units; batches are rows:

    x_t     (N, D)   input at step t          Wx  (D, H)   input-to-hidden weights
    h_t     (N, H)   hidden state at step t   Wh  (H, H)   hidden-to-hidden weights
                                              b   (H,)     bias

    h_t = tanh(x_t Wx + h_{t-1} Wh + b)

A cache is whatever your forward function returns for its own backward
function; the checks never look inside it. No function may modify its
arguments (the cache included: calling a backward function twice on the same
cache must give the same answer).
"""

import numpy as np


def rnn_step_forward(x, h_prev, Wx, Wh, b):
    """One step of the RNN.

        h_next = tanh(x Wx + h_prev Wh + b)

    Inputs:
    - x: (N, D) inputs at this step.
    - h_prev: (N, H) hidden state of the previous step.
    - Wx: (D, H) input-to-hidden weights.
    - Wh: (H, H) hidden-to-hidden weights.
    - b: (H,) bias.

    Returns a tuple of:
    - h_next: (N, H) the new hidden state.
    - cache: anything rnn_step_backward needs.
    """
    # TODO: compute h_next, and keep in the cache what the backward step needs.
    ### BEGIN SOLUTION
    h_next = np.tanh(x @ Wx + h_prev @ Wh + b)
    cache = (x, h_prev, Wx, Wh, h_next)
    return h_next, cache
    ### END SOLUTION


def rnn_step_backward(dh_next, cache):
    """Backward pass of one RNN step.

    With a = x Wx + h_prev Wh + b and h_next = tanh(a), the upstream gradient
    dh_next flows back through tanh'(a) = 1 - h_next**2:

        da = dh_next * (1 - h_next**2)
        dx = da Wx^T     dh_prev = da Wh^T
        dWx = x^T da     dWh = h_prev^T da     db = sum of da over the batch

    Inputs:
    - dh_next: (N, H) gradient of the loss with respect to h_next.
    - cache: what rnn_step_forward returned.

    Returns a tuple of:
    - dx: (N, D) gradient with respect to x.
    - dh_prev: (N, H) gradient with respect to h_prev.
    - dWx: (D, H) gradient with respect to Wx.
    - dWh: (H, H) gradient with respect to Wh.
    - db: (H,) gradient with respect to b.
    """
    # TODO: backpropagate through tanh, then through the two matrix products and the bias.
    ### BEGIN SOLUTION
    x, h_prev, Wx, Wh, h_next = cache
    da = dh_next * (1.0 - h_next * h_next)
    dx = da @ Wx.T
    dh_prev = da @ Wh.T
    dWx = x.T @ da
    dWh = h_prev.T @ da
    db = da.sum(axis=0)
    return dx, dh_prev, dWx, dWh, db
    ### END SOLUTION


def rnn_forward(x, h0, Wx, Wh, b):
    """Run the RNN over a whole sequence, one rnn_step_forward per step.

    Inputs:
    - x: (N, T, D) the input sequence; x[:, t, :] is the input at step t.
    - h0: (N, H) initial hidden state.
    - Wx: (D, H), Wh: (H, H), b: (H,) as in rnn_step_forward.

    Returns a tuple of:
    - h: (N, T, H) hidden states; h[:, t, :] is the state after step t.
    - cache: anything rnn_backward needs.
    """
    # TODO: loop over the T steps, feeding each step's h_next into the next step.
    ### BEGIN SOLUTION
    N, T, _ = x.shape
    h = np.empty((N, T, h0.shape[1]))
    caches = []
    h_prev = h0
    for t in range(T):
        h_prev, step_cache = rnn_step_forward(x[:, t, :], h_prev, Wx, Wh, b)
        h[:, t, :] = h_prev
        caches.append(step_cache)
    return h, caches
    ### END SOLUTION


def rnn_backward(dh, cache):
    """Backpropagation through time over a whole sequence.

    dh holds the gradient of the loss with respect to every hidden state, as
    if each h_t fed a loss of its own. Walking back from t = T-1 to 0, the
    gradient reaching h_t is dh[:, t, :] plus what flowed back from step t+1.
    Wx, Wh and b are shared by all steps, so their gradients are sums over t.

    Inputs:
    - dh: (N, T, H) upstream gradients of all hidden states.
    - cache: what rnn_forward returned.

    Returns a tuple of:
    - dx: (N, T, D) gradient with respect to the inputs.
    - dh0: (N, H) gradient with respect to the initial hidden state.
    - dWx: (D, H), dWh: (H, H), db: (H,) gradients of the shared parameters.
    """
    # TODO: walk the steps backwards with rnn_step_backward, carrying the gradient of
    # the hidden state from step to step and adding up the parameter gradients.
    ### BEGIN SOLUTION
    caches = cache
    N, T, H = dh.shape
    dx_steps = []
    dh_prev = np.zeros((N, H))
    dWx = dWh = db = 0.0
    for t in reversed(range(T)):
        dx_t, dh_prev, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t, :] + dh_prev, caches[t])
        dx_steps.append(dx_t)
        dWx = dWx + dWx_t
        dWh = dWh + dWh_t
        db = db + db_t
    dx = np.stack(dx_steps[::-1], axis=1)
    return dx, dh_prev, dWx, dWh, db
    ### END SOLUTION
