"""The grader's numeric gradient check: below 1e-7 on every output for correct
code, above 1e-3 for every wrong variant; and the relative error itself."""

import shutil

import numpy as np
import pytest
from helpers.course import ROOT
from test_recurrent import MISTAKES

from rnncourse.checking import CheckFailed, Student, gradcheck
from rnncourse.checking.recurrent import numeric_gradient_errors, probe_forward, run_backward
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


