"""The grader's numeric gradient check: below 1e-7 on every output for correct
code, above 1e-3 for every wrong variant; and the relative error itself."""

import shutil

import numpy as np
import pytest
from helpers import numeric_attacks
from helpers.course import ROOT, by_id, check
from test_recurrent import MISTAKES

from rnncourse.checking import CheckFailed, Student, engine, gradcheck
from rnncourse.checking.draws import FixedDraw
from rnncourse.checking.recurrent import (
    numeric_gradient_errors,
    probe_forward,
    run_backward,
    step_cases,
)
from rnncourse.checks import gru as gru_checks
from rnncourse.checks import lstm as lstm_checks
from rnncourse.checks import rnn as rnn_checks
from rnncourse.course.loader import reference_module
from rnncourse.sandbox.process import StudentProcess

PAIRS = {"rnn": (rnn_checks.STEP, rnn_checks.SEQUENCE),
         "lstm": (lstm_checks.STEP, lstm_checks.SEQUENCE),
         "gru": (gru_checks.STEP, gru_checks.SEQUENCE)}
DIMS = {False: {"N": 2, "D": 3, "H": 4}, True: {"N": 2, "T": 3, "D": 3, "H": 4}}


def gradient_errors(course, folder, exercise):
    """{function: {output: relative error}} from the grader's numeric check."""
    reference = reference_module(course.solutions_dir, f"{exercise}.py")
    errors = {}
    with StudentProcess(folder / f"{exercise}.py") as process:
        for sequence, cell in enumerate(PAIRS[exercise]):
            rng = np.random.default_rng(7)
            args = cell.make_inputs(DIMS[bool(sequence)], rng)
            upstream = cell.make_upstream(DIMS[bool(sequence)], rng)
            student = Student(process, exercise, 10.0)
            probe = probe_forward(student, reference, cell, args, rng, "test")
            try:
                grads = run_backward(student, cell, args, upstream, probe.cache, "test",
                                     lambda g: None)
            except CheckFailed:  # wrong shapes: rejected before any numeric comparison
                errors[cell.backward] = {"shape": float("inf")}
                continue
            found = numeric_gradient_errors(probe, upstream, grads)
            errors[cell.backward] = {cell.grads[i]: e for i, (e, _) in found.items()}
    return errors


@pytest.mark.parametrize("exercise", list(PAIRS))
@pytest.mark.parametrize("source", ["solutions", "independent"])
def test_correct_code_is_below_1e_7_on_every_output(course, tmp_path, exercise, source):
    if source == "solutions":
        folder = ROOT / "solutions"
    else:
        shutil.copy(ROOT / "tests" / "students" / f"{exercise}_independent.py",
                    tmp_path / f"{exercise}.py")
        folder = tmp_path
    for function, outputs in gradient_errors(course, folder, exercise).items():
        for output, error in outputs.items():
            assert error < 1e-7, f"{function} {output}: {error:.1e}"


@pytest.mark.parametrize("exercise, code", [(m[0], m[1]) for m in MISTAKES],
                         ids=[f"{m[0]}:{sorted(set(m[2].values()) - {None})}" for m in MISTAKES])
def test_every_wrong_variant_is_above_1e_3(course, student, exercise, code):
    errors = gradient_errors(course, student(exercise, code), exercise)
    worst = max(error for outputs in errors.values() for error in outputs.values())
    assert worst > 1e-3, errors


def test_full_and_directional_estimates():
    rng = np.random.default_rng(3)
    W = rng.normal(size=(5, 6))
    args = (rng.normal(size=(2, 5)), W)
    upstream = (rng.normal(size=(2, 6)),)

    def forward(x, w):
        return (np.tanh(x @ w),)

    def grads(x, w):
        da = upstream[0] * (1 - np.tanh(x @ w) ** 2)
        return {0: da @ w.T, 1: x.T @ da}

    perturbations, plan = gradcheck.plan_perturbations(args, [0, 1], rng, full_limit=16)
    assert [mode for _, mode, _ in plan] == ["full", "directional"]
    assert len(perturbations) == 2 * 10 + 2 * gradcheck.DIRECTIONS

    def losses(analytic_args):
        values = []
        for index, where, delta in perturbations:
            changed = [np.array(a, copy=True) for a in analytic_args]
            if isinstance(where, np.ndarray):
                changed[index] += delta * where
            else:
                changed[index].reshape(-1)[where] += delta
            values.append(gradcheck.loss(forward(*changed), upstream))
        return values

    right = gradcheck.compare_with_numeric(plan, losses(args), grads(*args))
    assert all(error < 1e-8 for error, _ in right.values())
    wrong = grads(*args)
    wrong[1] = wrong[1] * 1.01
    errors = gradcheck.compare_with_numeric(plan, losses(args), wrong)
    assert errors[0][0] < 1e-8 and errors[1][0] > 1e-3


def test_relative_error():
    assert gradcheck.relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert gradcheck.relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.0 + 4e-6])) \
        == pytest.approx(1e-6)
    assert gradcheck.relative_error(np.array([np.nan]), np.array([1.0])) == float("inf")
    assert gradcheck.relative_error(np.array([1e-20]), np.array([0.0]), floor=1e-10) \
        == pytest.approx(1e-10)



# ----------------------------------------------------------------------------
# Code that lies about the numbers only its own process sees (issue 17, item 7)


def lstm_points(course, code, failing_functions=()):
    """The LSTM's checks (hidden ones too) on ``code``: {check: result}, and the
    ids of the checks of ``failing_functions``."""
    result = check(course, code, "lstm", hidden=True)
    expected = {c.id for c in result.checks if c.function in failing_functions}
    return by_id(result), expected


def test_a_random_backward_with_a_forged_perturbed_answer_earns_no_gradient_points(
        course, student):
    """It used to answer the judge's "perturbed" request itself, with central
    differences that matched its random arrays: 18/30 instead of 12/30."""
    results, backward = lstm_points(course, student("lstm", numeric_attacks.RANDOM_BACKWARD),
                                    ("lstm_step_backward", "lstm_backward"))
    assert {i for i, c in results.items() if not c.passed} == backward
    for check_id in ("lstm_step_backward.gradient", "lstm_backward.gradient"):
        assert "differs from the numeric gradient" in results[check_id].message


def test_a_forward_that_answers_perturbations_falsely_fails_the_gradient_check(
        course, student):
    """It finds the perturbed calls by comparing inputs with earlier ones and
    answers them as a linear cell would, with a backward right for that cell;
    the central differences the judge takes of its answers disagree with the
    true gradient. Its forward is right everywhere else, and keeps those points."""
    results, backward = lstm_points(course, student("lstm", numeric_attacks.LYING_FORWARD),
                                    ("lstm_step_backward", "lstm_backward"))
    assert {i for i, c in results.items() if not c.passed} == backward
    for check_id, forward in (("lstm_step_backward.gradient", "lstm_step_forward"),
                              ("lstm_backward.gradient", "lstm_forward")):
        message = results[check_id].message
        assert message.startswith(f"on slightly changed inputs, the outputs of your {forward} "
                                  "do not change as they should") or \
            message.startswith(f"{forward} is not right yet"), message


def test_a_linear_map_with_its_own_gradients_earns_nothing(course, student):
    """Its backward is right for its forward: the gradient checks say so, and
    count nothing, the forward being wrong (it used to earn 6/30)."""
    result = check(course, student("lstm", numeric_attacks.LINEAR_MAP), "lstm", hidden=True)
    assert result.score == 0, {c.id: c.points for c in result.checks if c.passed}
    gradient = by_id(result)["lstm_step_backward.gradient"].message
    assert "lstm_step_forward is not right yet" in gradient
    assert "your lstm_step_backward does agree with the numeric gradient" in gradient


RECORDING = '''
import sys

_log = []
_right = rnn_step_forward


def rnn_step_forward(*args):
    frame = sys._getframe(1)
    while frame is not None and "request" not in frame.f_locals:
        frame = frame.f_back
    request = frame.f_locals["request"] if frame is not None else {}
    _log.append(((request.get("op"), request.get("keep"), request.get("watch")),
                 [arg.copy() for arg in args]))
    return _right(*args)


def recorded():
    return _log
'''


def test_perturbed_points_reach_the_student_as_ordinary_calls_in_a_drawn_order(
        course, student):
    """The student's process sees no request of its own kind for perturbations:
    the case and every point come as the same ordinary call, in one batch, in
    an order drawn by the check: neither the case nor the plan's first point
    (x[0, 0] moved up) comes first."""
    exercise = course.exercise("rnn")
    spec = next(s for s in engine.collect(exercise) if s.id == "rnn_step_backward.gradient")
    reference = reference_module(course.solutions_dir, "rnn.py")
    with StudentProcess(student("rnn", RECORDING) / "rnn.py") as process:
        spec.test(student=Student(process, "rnn", 10.0), reference=reference,
                  policy=course.policy)
        log = process.call("recorded", ()).value
    case = step_cases(100)[0]  # the seed of checks/rnn.py's step checks
    base = rnn_checks.STEP.make_inputs(case.dims, FixedDraw(case.seed))
    assert len(log) == 1 + 72  # 2 per entry of x (12), h_prev (15), b (5); 4 each for Wx, Wh
    assert all(request == ("call", [1], False) for request, _ in log), log[0][0]
    moved = base[0].copy()
    moved[0, 0] += gradcheck.STEP
    first_point = (moved, *base[1:])

    def position(point):
        return [k for k, (_, args) in enumerate(log)
                if all(np.array_equal(a, b) for a, b in zip(args, point))]

    assert position(base)[0] > 0 and position(first_point)[0] > 0
