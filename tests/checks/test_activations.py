"""activations: right answers written differently pass; each known mistake fails
the right checks and is named; an unknown mistake is not given a wrong name."""

import pytest
from helpers.course import ROOT, by_id, check, failing, full_marks

INDEPENDENT = """
import math

import numpy as np

def sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))

def sigmoid_derivative(x):
    out = np.empty_like(x, dtype=np.float64)
    flat = out.reshape(-1)
    for i, v in enumerate(np.asarray(x, dtype=np.float64).reshape(-1)):
        if v >= 0:
            e = math.exp(-v)
            flat[i] = e / (1.0 + e) ** 2
        else:
            e = math.exp(v)
            flat[i] = e / (1.0 + e) ** 2
    return out

def tanh_derivative(x):
    return 1.0 / np.cosh(np.clip(x, -300, 300)) ** 2
"""


def test_reference_gets_full_marks(course):
    assert full_marks(check(course, ROOT / "solutions", "activations", hidden=True))


def test_stubs_score_zero(course):
    result = check(course, ROOT / "exercises", "activations")
    assert result.score == 0 and not any(c.passed for c in result.checks)


def test_independent_correct_implementation_gets_full_marks(course, student):
    folder = student("activations", INDEPENDENT, base="")
    for _ in range(3):  # hidden checks draw fresh cases on every run
        result = check(course, folder, "activations", hidden=True)
        assert full_marks(result), {k: v.message for k, v in failing(result).items()}


MISTAKES = [
    # (what the student wrote, a check it must fail, the misconception it must be named)
    ("""
     def sigmoid_derivative(x):
         return x * (1 - x)
     """, "sigmoid_derivative.values", "derivative-at-activation"),
    ("""
     def tanh_derivative(x):
         return 1 - x ** 2
     """, "tanh_derivative.values", "derivative-at-activation"),
    ("""
     def tanh_derivative(x):
         return 1.0 - np.tanh(x)
     """, "tanh_derivative.values", "tanh-derivative-missing-square"),
    ("""
     def tanh_derivative(x):
         t = np.tanh(x)
         return t * (1 - t)
     """, "tanh_derivative.numeric", "derivative-formulas-swapped"),
    ("""
     def sigmoid_derivative(x):
         return 1 - sigmoid(x) ** 2
     """, "sigmoid_derivative.maximum", "derivative-formulas-swapped"),
    ("""
     def sigmoid(x):
         return 1 / (1 + np.exp(-x))
     """, "sigmoid.no-warning", "unstable-sigmoid"),
    ("""
     def sigmoid(x):
         return 1.0 / (1.0 + np.exp(np.clip(x, -500, 500)))
     """, "sigmoid.values", "sigmoid-wrong-sign"),
    ("""
     def sigmoid(x):
         x[...] = 0.5 * (1 + np.tanh(x / 2))
         return x
     """, "sigmoid.unchanged", "mutates-input"),
]


@pytest.mark.parametrize("code, check_id, misconception", MISTAKES,
                         ids=[m[2] + ":" + m[1] for m in MISTAKES])
def test_mistake_is_caught_and_named(course, student, code, check_id, misconception):
    result = check(course, student("activations", code), "activations")
    failed = failing(result)
    assert check_id in failed, f"{check_id} passed"
    assert failed[check_id].misconception == misconception, failed[check_id].message
    named = course.misconception(misconception)
    assert failed[check_id].hint == named.hint and failed[check_id].notes == named.notes


def test_derivative_at_activation_fails_every_value_check(course, student):
    result = check(course, student("activations", """
        def sigmoid_derivative(x):
            s = x
            return s * (1 - s)
    """), "activations")
    # .unchanged too: leaving x alone counts only when the result is right as well.
    assert set(failing(result)) == {"sigmoid_derivative.values", "sigmoid_derivative.numeric",
                                    "sigmoid_derivative.maximum", "sigmoid_derivative.shapes",
                                    "sigmoid_derivative.unchanged"}


def test_unknown_mistake_gets_no_misconception(course, student):
    result = check(course, student("activations", """
        def sigmoid_derivative(x):
            s = sigmoid(x)
            return 2 * s * (1 - s)
    """), "activations")
    failed = failing(result)
    assert "sigmoid_derivative.values" in failed
    assert all(c.misconception is None for c in failed.values())
    assert failed["sigmoid_derivative.values"].hint  # the check's own generic hint


def test_unstable_sigmoid_is_told_but_keeps_its_points(course, student):
    """The overflow warning is seen only by the student's process, which could
    hide it: the check that reports it is feedback, worth no points."""
    result = check(course, student("activations", """
        def sigmoid(x):
            return 1 / (1 + np.exp(-x))
    """), "activations")
    assert set(failing(result)) == {"sigmoid.no-warning"}
    warning = by_id(result)["sigmoid.no-warning"]
    assert "overflow" in warning.message and warning.max_points == 0
    assert result.score == result.max_score
