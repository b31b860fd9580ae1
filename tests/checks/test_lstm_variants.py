"""lstm_variants (optional extension): the reference and an independent right
implementation get full marks, the stubs 0, each named mistake fails with its
misconception, and each property check fails a wrong step it is meant to catch."""

import shutil

import pytest
from helpers.course import ROOT, by_id, check, failing, full_marks

EXERCISE = "lstm_variants"


def test_reference_gets_full_marks_with_hidden_checks(course):
    assert full_marks(check(course, ROOT / "solutions", EXERCISE, hidden=True))


def test_stubs_score_zero(course):
    result = check(course, ROOT / "exercises", EXERCISE, hidden=True)
    assert result.score == 0 and {c.kind for c in result.checks} == {"not-implemented"}


def test_independent_implementation_gets_full_marks(course, tmp_path):
    shutil.copy(ROOT / "tests" / "students" / "lstm_variants_independent.py",
                tmp_path / "lstm_variants.py")
    for _ in range(3):  # hidden checks draw fresh cases on every run
        result = check(course, tmp_path, EXERCISE, hidden=True)
        assert full_marks(result), {k: v.message for k, v in failing(result).items()}


def test_optional_with_round_points(course):
    exercise = course.exercise(EXERCISE)
    assert exercise.optional and exercise.points == 20
    result = check(course, ROOT / "solutions", EXERCISE, hidden=True)
    assert all(c.max_points == round(c.max_points) for c in result.checks)
    assert sum(c.max_points for c in result.checks) == 20


PEEPHOLE_OUTPUT_OLD_CELL = """
def peephole_lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b, p):
    H = h_prev.shape[1]
    a = x @ Wx + h_prev @ Wh + b
    i = sigmoid(a[:, :H] + p[0] * c_prev)
    f = sigmoid(a[:, H:2 * H] + p[1] * c_prev)
    o = sigmoid(a[:, 2 * H:3 * H] + p[2] * c_prev)   # all gates peek at the old cell
    c_next = f * c_prev + i * np.tanh(a[:, 3 * H:])
    return o * np.tanh(c_next), c_next
"""

COUPLED_INPUT_AS_FORGET = """
def coupled_lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    H = h_prev.shape[1]
    a = x @ Wx + h_prev @ Wh + b
    f, o, g = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H]), np.tanh(a[:, 2 * H:])
    i = f
    c_next = f * c_prev + i * g
    return o * np.tanh(c_next), c_next
"""

COUPLED_ROLES_SWAPPED = """
def coupled_lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    H = h_prev.shape[1]
    a = x @ Wx + h_prev @ Wh + b
    f, o, g = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H]), np.tanh(a[:, 2 * H:])
    c_next = (1 - f) * c_prev + f * g
    return o * np.tanh(c_next), c_next
"""

MISTAKES = [
    (PEEPHOLE_OUTPUT_OLD_CELL, {
        "peephole_lstm_step_forward.values": "peephole-output-old-cell"}),
    (COUPLED_INPUT_AS_FORGET, {
        "coupled_lstm_step_forward.values": "coupled-input-as-forget",
        "coupled_lstm_step_forward.input-is-one-minus-forget": "coupled-input-as-forget",
        "coupled_lstm_step_forward.keeps-cell": "coupled-input-as-forget"}),
    (COUPLED_ROLES_SWAPPED, {
        "coupled_lstm_step_forward.values": "coupled-roles-swapped",
        "coupled_lstm_step_forward.keeps-cell": "coupled-roles-swapped"}),
]


@pytest.mark.parametrize("code, expected", MISTAKES,
                         ids=["peephole-output-old-cell", "coupled-input-as-forget",
                              "coupled-roles-swapped"])
def test_mistake_fails_with_its_misconception(course, student, code, expected):
    result = check(course, student(EXERCISE, code), EXERCISE, hidden=True)
    failed = failing(result)
    for check_id, misconception in expected.items():
        assert check_id in failed, f"{check_id} passed"
        assert failed[check_id].misconception == misconception, failed[check_id].message
        assert failed[check_id].notes == course.misconception(misconception).notes
    other = "coupled" if next(iter(expected)).startswith("peephole") else "peephole"
    assert not any(check_id.startswith(other) for check_id in failed)  # the other step is fine


def test_zero_peepholes_catches_a_wrong_lstm_core(course, student):
    result = check(course, student(EXERCISE, """
        def peephole_lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b, p):
            H = h_prev.shape[1]
            a = x @ Wx + h_prev @ Wh + b
            i = sigmoid(a[:, :H] + p[0] * c_prev)
            f = sigmoid(a[:, H:2 * H] + p[1] * c_prev)
            c_next = f * c_prev + i * np.tanh(a[:, 3 * H:])
            o = sigmoid(a[:, 2 * H:3 * H] + p[2] * c_next)
            return o * c_next, c_next            # no tanh on the cell
    """), EXERCISE)
    failed = failing(result)
    assert "peephole_lstm_step_forward.zero-peepholes" in failed
    assert "plain LSTM step" in failed["peephole_lstm_step_forward.zero-peepholes"].message


def test_peephole_that_ignores_p_fails_values_but_not_zero_peepholes(course, student):
    result = check(course, student(EXERCISE, """
        def peephole_lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b, p):
            H = h_prev.shape[1]
            a = x @ Wx + h_prev @ Wh + b
            i, f = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H])
            o, g = sigmoid(a[:, 2 * H:3 * H]), np.tanh(a[:, 3 * H:])
            c_next = f * c_prev + i * g
            return o * np.tanh(c_next), c_next
    """), EXERCISE)
    checks = by_id(result)
    assert not checks["peephole_lstm_step_forward.values"].passed
    assert checks["peephole_lstm_step_forward.zero-peepholes"].passed


def test_keeps_cell_catches_a_misplaced_forget_gate(course, student):
    result = check(course, student(EXERCISE, """
        def coupled_lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
            H = h_prev.shape[1]
            a = x @ Wx + h_prev @ Wh + b
            o, f, g = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H]), np.tanh(a[:, 2 * H:])
            c_next = f * c_prev + (1 - f) * g
            return o * np.tanh(c_next), c_next
    """), EXERCISE)
    failed = failing(result)
    assert "coupled_lstm_step_forward.keeps-cell" in failed
    assert "c_next should equal c_prev exactly" in \
        failed["coupled_lstm_step_forward.keeps-cell"].message


def test_property_checks_need_a_right_result(course, student):
    """Returning c_prev unchanged satisfies c_next == c_prev and c_next == 1 for
    c_prev == 1, but earns nothing."""
    result = check(course, student(EXERCISE, """
        def peephole_lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b, p):
            return h_prev.copy(), c_prev.copy()

        def coupled_lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
            return h_prev.copy(), c_prev.copy()
    """, base=""), EXERCISE, hidden=True)
    assert not any(c.passed for c in result.checks), [c.id for c in result.checks if c.passed]
