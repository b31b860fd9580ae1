"""Wrong sigmoids and derivatives, as students write them."""

import numpy as np


def sigmoid_wrong_sign(x):
    return 1.0 / (1.0 + np.exp(x))


def sigmoid_derivative_of_activation(x):
    # treats x as if it were already sigmoid(x)
    return x * (1 - x)


def sigmoid_derivative_tanh_formula(x):
    s = 1.0 / (1.0 + np.exp(-x))
    return 1 - s**2


def tanh_derivative_of_activation(x):
    # treats x as if it were already tanh(x)
    return 1 - x**2


def tanh_derivative_missing_square(x):
    return 1 - np.tanh(x)


def tanh_derivative_sigmoid_formula(x):
    t = np.tanh(x)
    return t * (1 - t)


MISTAKES = {
    "sigmoid": [("sigmoid-wrong-sign", sigmoid_wrong_sign)],
    "sigmoid_derivative": [
        ("derivative-at-activation", sigmoid_derivative_of_activation),
        ("derivative-formulas-swapped", sigmoid_derivative_tanh_formula),
    ],
    "tanh_derivative": [
        ("derivative-at-activation", tanh_derivative_of_activation),
        ("tanh-derivative-missing-square", tanh_derivative_missing_square),
        ("derivative-formulas-swapped", tanh_derivative_sigmoid_formula),
    ],
}
