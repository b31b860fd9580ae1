"""The Gradescope autograder end to end: the zip is built, unpacked into a
temporary AUTOGRADER_ROOT, set up with its own setup.sh (a venv, pip installing
the pinned requirements and the wheel) and run with its own run_autograder,
as Gradescope runs it, on honest, wrong and hostile submissions; every
results.json is checked against Gradescope's documented format and against
`rnncourse grade` on the same files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from helpers.classroom import (
    DERIVATIVE_AT_ACTIVATION,
    DERIVATIVE_AT_ACTIVATION_FAILS,
    add_folder,
    assert_gradescope_shape,
    grade,
    gradebook_rows,
    load_course,
    make_course,
    points,
    solution,
    stub,
)

from rnncourse.course import secret as seeds
from rnncourse.gradescope import autograder, build

EXERCISES = ("activations", "clipping", "lstm_variants")  # lstm_variants: extra credit

# Three attacks of tests/grading/test_grade_attacks.py, each the whole activations.py
ATTACKS = {
    "loop": solution("activations", """
        def sigmoid(x):
            while True:
                pass
        """),
    "patch-numpy": solution("activations", """
        np.allclose = lambda *a, **k: True
        np.isclose = lambda a, b, *r, **k: np.ones(np.shape(a), dtype=bool)
        np.array_equal = lambda *a, **k: True
        np.testing.assert_allclose = lambda *a, **k: None
        np.abs = lambda x, *a, **k: 0 * x
        np.max = lambda *a, **k: 0.0

        def sigmoid(x):
            return np.zeros_like(x)

        sigmoid_derivative = tanh_derivative = sigmoid
        """),
    "exit-at-import": "import os\nos._exit(0)\n",
}


def files(**changed: str) -> dict[str, str]:
    found = {f"{exercise}.py": solution(exercise) for exercise in EXERCISES}
    found.update({f"{name}.py": text for name, text in changed.items()})
    return found


SUBMISSIONS = {
    "solutions": files(),
    "stubs": {f"{exercise}.py": stub(exercise) for exercise in EXERCISES},
    "mistake": files(activations=solution("activations", DERIVATIVE_AT_ACTIVATION)),
    **{f"attack-{name}": files(activations=code) for name, code in ATTACKS.items()},
}


def email(name: str) -> str:
    return f"{name}@example.edu"


@pytest.fixture(scope="module")
def autograder_root(tmp_path_factory):
    """The autograder set up as Gradescope would: (course, root, setup seconds)."""
    base = tmp_path_factory.mktemp("gradescope")
    course_root = make_course(base / "course", check_timeout=1.0, exercises=EXERCISES)
    course = load_course(course_root)
    zip_path = base / "autograder.zip"
    build.build(course, zip_path, self_test=False)
    root = base / "autograder"
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(root / "source")
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
    done = subprocess.run(["bash", str(root / "source" / "setup.sh")],
                          env=dict(os.environ, AUTOGRADER_ROOT=str(root)),
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ready" in done.stdout
    return course, root


def run_autograder(root: Path, submission: dict[str, str] | Path, student: str) -> dict:
    """run_autograder on one submission (files, or the path of a zip to upload)."""
    for name in (autograder.SUBMISSION, "results"):
        shutil.rmtree(root / name, ignore_errors=True)
    (root / autograder.SUBMISSION).mkdir()
    (root / "results").mkdir()
    if isinstance(submission, Path):
        shutil.copy2(submission, root / autograder.SUBMISSION / submission.name)
    else:
        for name, text in submission.items():
            target = root / autograder.SUBMISSION / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
    (root / autograder.METADATA).write_text(json.dumps({
        "id": 7, "users": [{"email": student, "id": 42, "name": "A Student"}]}))
    done = subprocess.run(["bash", str(root / "run_autograder")], cwd=root,
                          env=dict(os.environ, AUTOGRADER_ROOT=str(root)),
                          capture_output=True, text=True, timeout=600, start_new_session=True)
    assert done.returncode == 0, done.stderr
    results = json.loads((root / autograder.RESULTS).read_text(encoding="utf-8"))
    results["_stdout"] = done.stdout
    return results


def per_exercise(results: dict) -> dict[str, float]:
    found: dict[str, float] = {}
    for test in results["tests"]:
        exercise = test["extra_data"].get("exercise")
        found[exercise] = round(found.get(exercise, 0.0) + test["score"], 6)
    return found


@pytest.fixture(scope="module")
def graded(autograder_root, tmp_path_factory):
    """Every submission through run_autograder, and the same files through
    `rnncourse grade` (folders named by the same student ids)."""
    course, root = autograder_root
    results = {name: run_autograder(root, submission, email(name))
               for name, submission in SUBMISSIONS.items()}
    base = tmp_path_factory.mktemp("class")
    subs = base / "submissions"
    for name, submission in SUBMISSIONS.items():
        add_folder(subs, email(name), submission)
    out = base / "out"
    done = grade(course.root, subs, out, "--jobs", "2", timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return {"course": course, "root": root, "results": results, "out": out, "subs": subs}


def test_every_results_file_has_gradescopes_format(graded):
    for name, results in graded["results"].items():
        del results["_stdout"]
        assert_gradescope_shape(results)
        assert results["extra_data"]["student"] == email(name)
        assert results["extra_data"]["course"] == graded["results"]["solutions"][
            "extra_data"]["course"]


def test_solutions_full_marks_and_extra_credit_does_not_raise_the_total(graded):
    course, results = graded["course"], graded["results"]["solutions"]
    required = [t for t in results["tests"] if not t["extra_data"].get("extra_credit")]
    extra = [t for t in results["tests"] if t["extra_data"].get("extra_credit")]
    assert extra and all(test["max_score"] == 0 and test["score"] > 0 for test in extra)
    assert sum(test["max_score"] for test in results["tests"]) == pytest.approx(
        course.required_points + course.quiz.points)
    assert sum(test["score"] for test in required if test["name"] != "quiz") == \
        pytest.approx(course.required_points)
    assert all(test["status"] == "passed" for test in results["tests"] if test["name"] != "quiz")
    assert results["score"] == pytest.approx(course.required_points + 20)  # + extra credit
    hidden = [test for test in results["tests"] if "(hidden)" in test["name"]]
    assert hidden and {test["visibility"] for test in hidden} == {"after_published"}
    assert {test["visibility"] for test in results["tests"]
            if test not in hidden} == {"visible"}


def test_stubs_score_zero(graded):
    assert graded["results"]["stubs"]["score"] == 0


def test_a_known_mistake_is_named(graded):
    course, results = graded["course"], graded["results"]["mistake"]
    got = per_exercise(results)
    assert got["activations"] == pytest.approx(
        points(course, "activations", DERIVATIVE_AT_ACTIVATION_FAILS))
    assert got["clipping"] == pytest.approx(points(course, "clipping"))
    assert "derivative-at-activation" in results["extra_data"]["misconceptions"]
    values = next(t for t in results["tests"] if t["name"] == "activations: tanh_derivative.values")
    assert values["status"] == "failed" and values["extra_data"]["misconception"] == \
        "derivative-at-activation"
    assert "**Misconception:**" in values["output"] and "**Hint:**" in values["output"]


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_an_attack_earns_nothing_and_costs_the_rest_nothing(graded, attack):
    course, results = graded["course"], graded["results"][f"attack-{attack}"]
    got = per_exercise(results)
    assert got["activations"] < points(course, "activations")
    if attack != "loop":  # the loop attacks sigmoid only
        assert got["activations"] == 0
    assert got["clipping"] == pytest.approx(points(course, "clipping"))
    assert results["extra_data"]["status"] == "graded"


def test_scores_equal_rnncourse_grade_to_the_last_digit(graded):
    rows = gradebook_rows(graded["out"])
    for name, results in graded["results"].items():
        exported = json.loads((graded["out"] / "gradescope" / f"{email(name)}.json").read_text())
        assert results["score"] == exported["score"] == rows[email(name)]["result"]["score"]
        assert [(t["name"], t["score"], t["max_score"]) for t in results["tests"]] == \
            [(t["name"], t["score"], t["max_score"]) for t in exported["tests"]], name
        stored = {e["id"]: e["score"] for e in rows[email(name)]["result"]["exercises"]}
        assert {k: v for k, v in per_exercise(results).items() if k != "quiz"} == stored


def test_a_zip_upload_and_a_repository_layout_are_graded_like_files(graded, tmp_path):
    root, full = graded["root"], graded["results"]["solutions"]
    upload = tmp_path / "my-work.zip"
    with zipfile.ZipFile(upload, "w") as archive:
        for name, text in SUBMISSIONS["solutions"].items():
            archive.writestr(f"my-work/{name}", text)
    for submission in (upload, {f"exercises/{name}": text for name, text in
                                SUBMISSIONS["solutions"].items()}):
        results = run_autograder(root, submission, email("solutions"))
        assert results["score"] == full["score"]
        assert [t["score"] for t in results["tests"]] == [t["score"] for t in full["tests"]]


def test_the_same_student_gets_the_same_cases_and_two_students_different_ones(graded):
    rows = gradebook_rows(graded["out"])

    def hidden_seeds(student: str) -> dict[str, int]:
        return {check["id"]: check["seed"] for exercise in rows[student]["result"]["exercises"]
                for check in exercise["checks"] if check["hidden"]}

    mine, theirs = hidden_seeds(email("solutions")), hidden_seeds(email("mistake"))
    assert mine.keys() == theirs.keys() and mine
    assert all(mine[check] != theirs[check] for check in mine)
    course = graded["course"]
    key = seeds.student_key(seeds.read(course), email("solutions"))
    from rnncourse.checking import engine

    specs = {spec.id: spec for exercise in course.exercises for spec in engine.collect(exercise)}
    assert mine == {check: engine._seed(specs[check], key) for check in mine}
    again = grade(course.root, graded["subs"], graded["out"], "--force", timeout=600)
    assert again.returncode == 0
    rerun = gradebook_rows(graded["out"])
    assert hidden_seeds(email("solutions")) == mine
    for name in SUBMISSIONS:
        assert rerun[email(name)]["result"]["score"] == rows[email(name)]["result"]["score"]


def test_student_code_cannot_read_the_autograders_files(graded):
    """A submission that tries to read the course's secret, a solution, the
    submission's metadata and the results folder gets PermissionError for
    each (Landlock; as root also the mode-000 folders), and full marks."""
    root = graded["root"]
    targets = [root / "source" / "course" / seeds.FILE, root / "source" / "course" /
               "solutions" / "activations.py", root / autograder.METADATA,
               root / "results" / "stdout", root / "source" / "setup.sh"]
    probe = solution("activations", f"""
        _seen = []
        for _path in {[str(path) for path in targets]!r}:
            try:
                open(_path).read()
                _seen.append("READ " + _path)
            except OSError:
                pass
        if _seen:
            def sigmoid(x):
                raise RuntimeError(" ".join(_seen))
        """)
    results = run_autograder(root, files(activations=probe), email("probe"))
    assert per_exercise(results)["activations"] == pytest.approx(
        points(graded["course"], "activations")), results["tests"]
    assert "Isolation of student code" in results["_stdout"]


def test_a_broken_grader_still_writes_results_with_the_reason(graded):
    root = graded["root"]
    manifest = root / "source" / "course" / "course.toml"
    saved = manifest.read_bytes()
    try:
        manifest.write_text("[course\nthis is not TOML", encoding="utf-8")
        results = run_autograder(root, SUBMISSIONS["solutions"], email("solutions"))
    finally:
        manifest.write_bytes(saved)
    del results["_stdout"]
    assert_gradescope_shape(results)
    assert results["score"] == 0
    assert [test["name"] for test in results["tests"]] == ["Autograder error"]
    assert "course.toml" in results["tests"][0]["output"] and "TOML" in results["output"]


def test_a_python_that_cannot_start_still_gives_results(graded, tmp_path):
    """run_autograder itself writes the results when the venv is gone."""
    root = tmp_path / "root"
    (root / "source").mkdir(parents=True)
    shutil.copy2(graded["root"] / "run_autograder", root / "run_autograder")
    done = subprocess.run(["bash", str(root / "run_autograder")], cwd=root,
                          env=dict(os.environ, AUTOGRADER_ROOT=str(root)),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    results = json.loads((root / autograder.RESULTS).read_text())
    assert results["score"] == 0 and results["tests"][0]["name"] == "Autograder error"


def test_replay_shows_the_recorded_case_call_by_call(graded):
    """`grade --replay`: the mistake's hidden tanh_derivative check, again, on
    the recorded seed: its inputs, the reference's outputs and the student's."""
    import numpy as np

    from rnncourse.grading.replay import replay

    student = email("mistake")
    stored = next(check for exercise in gradebook_rows(graded["out"])[student]["result"][
        "exercises"] for check in exercise["checks"] if check["id"] == "tanh_derivative.hidden")
    done = replay(graded["course"], graded["out"], student, "tanh_derivative.hidden")
    assert done.same and done.replayed.seed == stored["seed"] and not done.replayed.passed
    assert done.calls and all(call.function == "tanh_derivative" for call in done.calls)
    for call in done.calls:
        x = call.inputs[0]
        assert np.allclose(call.actual, 1 - x ** 2)  # the student's mistake
        assert np.allclose(call.expected, 1 - np.tanh(x) ** 2)  # the reference
    other = replay(graded["course"], graded["out"], email("solutions"), "tanh_derivative.hidden")
    assert other.replayed.passed and other.replayed.seed != done.replayed.seed
    assert [c.inputs[0].shape for c in other.calls] != [c.inputs[0].shape for c in done.calls] \
        or not all(np.array_equal(a.inputs[0], b.inputs[0])
                   for a, b in zip(other.calls, done.calls))
    shown = subprocess.run(
        [sys.executable, "-m", "rnncourse", "grade", "--replay", student,
         "tanh_derivative.hidden", "--out", str(graded["out"])],
        capture_output=True, text=True, timeout=120, env=dict(
            os.environ, RNNCOURSE_HOME=str(graded["course"].root), COLUMNS="200"))
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert f"seed {stored['seed']}" in shown.stdout
    assert "Call 1: tanh_derivative" in shown.stdout and "expected:" in shown.stdout
    assert "Recorded: failed" in shown.stdout and "Replayed: failed" in shown.stdout
    unknown = subprocess.run(
        [sys.executable, "-m", "rnncourse", "grade", "--replay", student, "no.such",
         "--out", str(graded["out"])], capture_output=True, text=True, timeout=120,
        env=dict(os.environ, RNNCOURSE_HOME=str(graded["course"].root)))
    assert unknown.returncode == 2 and "no check 'no.such'" in unknown.stderr

