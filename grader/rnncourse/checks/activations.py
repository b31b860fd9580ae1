"""Checks for exercises/activations.py: sigmoid, sigmoid_derivative, tanh_derivative."""

import numpy as np

from rnncourse.checking import (
    CheckFailed,
    check,
    diagnose,
    expect_matches,
    expect_right_result,
    expect_unchanged,
    validated_call,
)
from rnncourse.checking.draws import FixedDraw
from rnncourse.checking.gradcheck import elementwise_derivative, relative_error

GRID = np.linspace(-8.0, 8.0, 33).reshape(3, 11)
EXTREMES = np.array([-1000.0, -745.0, -60.0, -1e-3, 0.0, 1e-3, 60.0, 745.0, 1000.0])
SHAPES = [(1,), (7,), (2, 3, 4), (4, 1)]
NOISE_FLOOR = 1e-6  # outputs live on a scale of 1: when all are tiny, ask 1e-14 absolute agreement
DERIVATIVES = {
    "sigmoid_derivative": ("sigmoid", 0.25),
    "tanh_derivative": ("tanh", 1.0),
}


def _forward(reference, name):
    return np.tanh if name == "tanh" else reference.sigmoid


# sigmoid --------------------------------------------------------------------


@check("sigmoid.values", weight=4, hint="sigmoid(x) = 1 / (1 + exp(-x)), elementwise.")
def test_sigmoid_values(student, reference, policy):
    expect_matches(student, reference, "sigmoid", (GRID,), policy.value_tolerance,
                   case="x from -8 to 8, shape (3, 11)")


@check("sigmoid.extremes", weight=5,
       hint="sigmoid(x) tends to 0 for very negative x and to 1 for very positive x; "
            "it is never NaN.")
def test_sigmoid_extremes(student, reference, policy):
    expect_matches(student, reference, "sigmoid", (EXTREMES,), policy.value_tolerance,
                   case="x = ±1000, ±745, ±60, ±0.001, 0")


# Worth no points: only the student's process sees its warnings, and code can
# silence them (np.errstate, the warnings module, the worker) where no value
# shows it; so it is feedback. The values at +-1000 are checked by .extremes.
@check("sigmoid.no-warning", weight=0, hint="Take exp only of non-positive numbers: for x < 0 "
       "use exp(x) / (1 + exp(x)), which equals 1 / (1 + exp(-x)).")
def test_sigmoid_no_warning(student, reference, policy):
    x = np.array([-1000.0, 1000.0])
    call = student.run("sigmoid", x.copy(), watch=True)
    if call.warnings:
        overflow = any("overflow" in warning for warning in call.warnings)
        raise CheckFailed(f"sigmoid(±1000) raised a numpy warning: {call.warnings[0]} "
                          "(feedback only: this check is worth no points)",
                          misconception="unstable-sigmoid" if overflow else None)
    expect_right_result(call.value, reference.sigmoid(x), "sigmoid(±1000)",
                        policy.value_tolerance)


@check("sigmoid.shapes")
def test_sigmoid_shapes(student, reference, policy):
    rng = FixedDraw(1)
    for shape in SHAPES:
        x = rng.normal(size=shape) * 3
        expect_matches(student, reference, "sigmoid", (x,), policy.value_tolerance,
                       name=f"sigmoid of a {shape} array")


@check("sigmoid.unchanged")
def test_sigmoid_unchanged(student, reference, policy):
    expect_unchanged(student.run("sigmoid", GRID.copy(), watch=True), ("x",), "sigmoid",
                     reference.sigmoid(GRID.copy()), policy.value_tolerance)


# derivatives ----------------------------------------------------------------


def _values(function):
    def test(student, reference, policy):
        expect_matches(student, reference, function, (GRID,), policy.value_tolerance,
                       case="x from -8 to 8, shape (3, 11)")

    return test


def _numeric(function):
    forward_name, _ = DERIVATIVES[function]

    def test(student, reference, policy):
        got, want = validated_call(student, reference, function, (GRID,))
        numeric = elementwise_derivative(_forward(reference, forward_name), GRID)
        error = relative_error(got, numeric)
        if not error <= policy.gradient_tolerance:
            raise CheckFailed(
                f"{function}(x) differs from the central-difference derivative of "
                f"{forward_name}: relative error {error:.1e} "
                f"(tolerance {policy.gradient_tolerance:.0e})",
                misconception=diagnose(student.exercise, function, (GRID,), got, want))

    return test


def _maximum(function):
    forward_name, peak = DERIVATIVES[function]

    def test(student, reference, policy):
        x = np.linspace(-4.0, 4.0, 81)
        got, want = validated_call(student, reference, function, (x,))
        at_zero = got[40]
        if not abs(at_zero - peak) <= 1e-12 or np.argmax(got) != 40:
            raise CheckFailed(
                f"{function} should peak at x = 0 with the value {peak:g}; yours gives "
                f"{at_zero:.4g} at 0 and its largest value {np.max(got):.4g} at "
                f"x = {x[np.argmax(got)]:g}",
                misconception=diagnose(student.exercise, function, (x,), got, want))
        expect_right_result(got, want, f"{function} on [-4, 4]", policy.value_tolerance)

    return test


def _shapes(function):
    def test(student, reference, policy):
        rng = FixedDraw(2)
        for shape in SHAPES:
            x = rng.normal(size=shape) * 3
            expect_matches(student, reference, function, (x,), policy.value_tolerance,
                           name=f"{function} of a {shape} array")

    return test


def _hidden(function):
    """Fresh random shapes and values, large ones included (hidden)."""

    def test(student, reference, policy, rng):
        for magnitude in (1.0, 60.0):  # ordinary values, and values that overflow exp
            shape = tuple(int(n) for n in rng.integers(1, 7, size=int(rng.integers(1, 4))))
            x = rng.normal(size=shape) * magnitude
            expect_matches(student, reference, function, (x,), policy.value_tolerance,
                           case="a hidden case", floor=NOISE_FLOOR)

    return test


def _unchanged(function):
    def test(student, reference, policy):
        expect_unchanged(student.run(function, GRID.copy(), watch=True), ("x",), function,
                         getattr(reference, function)(GRID.copy()), policy.value_tolerance)

    return test


test_sigmoid_derivative_values = check(
    "sigmoid_derivative.values", weight=3,
    hint="The derivative is sigmoid(x) * (1 - sigmoid(x)), with x the pre-activation.",
)(_values("sigmoid_derivative"))
test_sigmoid_derivative_numeric = check("sigmoid_derivative.numeric", weight=3)(
    _numeric("sigmoid_derivative"))
test_sigmoid_derivative_maximum = check("sigmoid_derivative.maximum", weight=2)(
    _maximum("sigmoid_derivative"))
test_sigmoid_derivative_shapes = check("sigmoid_derivative.shapes")(
    _shapes("sigmoid_derivative"))
test_sigmoid_derivative_unchanged = check("sigmoid_derivative.unchanged")(
    _unchanged("sigmoid_derivative"))

test_tanh_derivative_values = check(
    "tanh_derivative.values", weight=3,
    hint="The derivative is 1 - tanh(x)**2, with x the pre-activation.",
)(_values("tanh_derivative"))
test_tanh_derivative_numeric = check("tanh_derivative.numeric", weight=3)(
    _numeric("tanh_derivative"))
test_tanh_derivative_maximum = check("tanh_derivative.maximum", weight=2)(
    _maximum("tanh_derivative"))
test_tanh_derivative_shapes = check("tanh_derivative.shapes")(_shapes("tanh_derivative"))
test_tanh_derivative_unchanged = check("tanh_derivative.unchanged")(
    _unchanged("tanh_derivative"))

test_sigmoid_hidden = check("sigmoid.hidden", weight=3, hidden=True)(_hidden("sigmoid"))
test_sigmoid_derivative_hidden = check("sigmoid_derivative.hidden", weight=3, hidden=True)(
    _hidden("sigmoid_derivative"))
test_tanh_derivative_hidden = check("tanh_derivative.hidden", weight=3, hidden=True)(
    _hidden("tanh_derivative"))
