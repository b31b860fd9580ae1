"""Students lying about the numbers only their own process sees, graded as a
class with `rnncourse grade` (issue 17, item 7): numeric gradients, arguments
changed in place, warnings. Each attacker earns exactly the points of the
checks its code deserves, and the honest students beside it full marks.

The attacks (tests/helpers/numeric_attacks.py), with what they earned before:
a right LSTM forward with a random backward that answered the judge's old
"perturbed" request itself (18/30 instead of 12/30); a naive sigmoid with its
warning silenced and derivatives that overwrite their input, the worker's
report patched (10/10); a linear map with no gates and its own gradients
(6/30); a forward that answers what it takes for perturbations falsely, with a
backward that fits those answers (18/30); a rewritten worker that forges
"unchanged" for wrong code.
"""

import pytest
from helpers import numeric_attacks
from helpers.classroom import (
    add_folder,
    add_zip,
    grade,
    gradebook_rows,
    make_course,
    scores,
    solution,
)
from helpers.classroom import points as expected_points

from rnncourse.checking import engine

EXERCISES = ("activations", "clipping", "lstm")
LSTM_BACKWARD = ("lstm_step_backward", "lstm_backward")

# student: (exercise attacked, the attack, the functions whose checks must all fail)
ATTACKERS = {
    "random-backward": ("lstm", numeric_attacks.RANDOM_BACKWARD, LSTM_BACKWARD),
    "silenced-overwriting": ("activations", numeric_attacks.SILENCED_AND_OVERWRITING, ()),
    "linear-map": ("lstm", numeric_attacks.LINEAR_MAP, ("lstm_step_forward", "lstm_step_backward",
                                                        "lstm_forward", "lstm_backward")),
    "lying-forward": ("lstm", numeric_attacks.LYING_FORWARD, LSTM_BACKWARD),
    "forging-worker": ("activations", numeric_attacks.FORGING_WORKER,
                       ("sigmoid", "sigmoid_derivative", "tanh_derivative")),
}
# and the checks that must fail besides: the derivatives' .unchanged, as they
# overwrite x (sigmoid.no-warning is worth no points, whatever it says)
ALSO_FAILING = {"silenced-overwriting": {"sigmoid_derivative.unchanged",
                                         "tanh_derivative.unchanged"}}


def honest() -> dict[str, str]:
    return {f"{exercise}.py": solution(exercise) for exercise in EXERCISES}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("numeric")
    root = make_course(base / "course", check_timeout=3.0, exercises=EXERCISES)
    subs = base / "submissions"
    subs.mkdir()
    for student_id, (exercise, attack, _) in ATTACKERS.items():
        add_folder(subs, student_id, {**honest(), f"{exercise}.py": solution(exercise, attack)})
    add_folder(subs, "honest", honest())
    add_zip(subs, "honest-zip", honest(), top="honest-zip")
    out = base / "out"
    done = grade(root, subs, out, "--jobs", "2", "--timeout", "60", timeout=600)
    return {"done": done, "rows": gradebook_rows(out)}


def deserved(course, student_id: str) -> dict[str, float]:
    exercise_id, _, functions = ATTACKERS[student_id]
    wrong = {spec.id for spec in engine.collect(course.exercise(exercise_id))
             if spec.function in functions} | ALSO_FAILING.get(student_id, set())
    return {exercise: expected_points(course, exercise, wrong if exercise == exercise_id
                                      else frozenset()) for exercise in EXERCISES}


def test_the_run_completes(graded):
    done = graded["done"]
    assert done.returncode == 0, done.stdout + done.stderr
    assert set(graded["rows"]) == {*ATTACKERS, "honest", "honest-zip"}
    assert all(row["status"] == "graded" for row in graded["rows"].values())


@pytest.mark.parametrize("student_id", sorted(ATTACKERS))
def test_an_attack_earns_only_what_its_code_deserves(graded, course, student_id):
    assert scores(graded["rows"][student_id]) == pytest.approx(deserved(course, student_id))


def test_what_the_attacks_used_to_earn_is_gone(graded, course):
    """The figures of the issue, against the LSTM's 30 and activations' 10."""
    got = {student_id: scores(row) for student_id, row in graded["rows"].items()}
    assert got["random-backward"]["lstm"] == pytest.approx(12.0)  # its forward's points
    assert got["lying-forward"]["lstm"] == pytest.approx(12.0)
    assert got["linear-map"]["lstm"] == 0
    assert got["silenced-overwriting"]["activations"] == pytest.approx(9.5)
    assert got["forging-worker"]["activations"] == 0


def test_honest_students_get_full_marks(graded, course):
    full = {exercise: expected_points(course, exercise) for exercise in EXERCISES}
    for student_id in ("honest", "honest-zip"):
        assert scores(graded["rows"][student_id]) == pytest.approx(full)
