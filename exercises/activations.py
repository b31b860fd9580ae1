# rnncourse exercise (stub 4d7b29170510): fill in each TODO, then run `rnncourse check`.
"""Exercise: the sigmoid, and the derivatives of sigmoid and tanh.

Backpropagating through a recurrent network multiplies one local derivative per
time step. How small those derivatives can get is the first half of the
vanishing-gradient story (notes: vanishing.derivatives).

Every function takes a float64 numpy array of any shape and returns a new
float64 array of the same shape. None of them may modify its argument.
"""

import numpy as np


def sigmoid(x):
    """The logistic sigmoid, computed without overflow for any finite input.

        sigmoid(x) = 1 / (1 + exp(-x))

    For large negative x, exp(-x) overflows (exp(1000) is inf in float64 and
    numpy warns). Rewrite the formula so that exp is only ever taken of a
    non-positive number: for x < 0 multiply top and bottom by exp(x).

    Inputs:
    - x: array of any shape, float64; any finite values (x = -1000 included).

    Returns:
    - out: array of the same shape as x, float64, with values in [0, 1].
    """
    # TODO: compute the sigmoid elementwise, taking exp only of -|x|.
    raise NotImplementedError("TODO: implement sigmoid")


def sigmoid_derivative(x):
    """The derivative of the sigmoid, at the pre-activation x.

        d sigmoid / dx = sigmoid(x) * (1 - sigmoid(x))

    Its largest value is 0.25, at x = 0. Careful: x is the input of the
    sigmoid (the pre-activation), not its output.

    Inputs:
    - x: array of any shape, float64 (pre-activations).

    Returns:
    - out: array of the same shape as x, float64, with values in [0, 0.25].
    """
    # TODO: evaluate sigmoid(x), then the derivative from it.
    raise NotImplementedError("TODO: implement sigmoid_derivative")


def tanh_derivative(x):
    """The derivative of tanh, at the pre-activation x.

        d tanh / dx = 1 - tanh(x)**2

    Its largest value is 1, at x = 0, and it falls towards 0 as |x| grows.

    Inputs:
    - x: array of any shape, float64 (pre-activations).

    Returns:
    - out: array of the same shape as x, float64, with values in [0, 1].
    """
    # TODO: evaluate tanh(x) with np.tanh, then the derivative from it.
    raise NotImplementedError("TODO: implement tanh_derivative")
