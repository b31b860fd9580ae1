"""The check engine against student code that misbehaves: every failure stays in
its own check, with a clear one-line message, and the other checks still run."""

import dataclasses
import time

import numpy as np
import pytest
from helpers.course import by_id, check, failing, full_marks, source_of

from rnncourse.checking import engine
from rnncourse.sandbox import forkserver

DERIVATIVE_CHECKS = {c for c in (
    "tanh_derivative.values", "tanh_derivative.numeric", "tanh_derivative.maximum",
    "tanh_derivative.shapes", "tanh_derivative.unchanged")}


@pytest.fixture(scope="module")
def quick(course):
    return dataclasses.replace(course, policy=dataclasses.replace(course.policy,
                                                                  check_timeout=0.5))


def only_tanh_fails(result):
    return set(failing(result)) == DERIVATIVE_CHECKS


def test_solutions_pass(course, student):
    assert full_marks(check(course, student("activations"), "activations"))


def test_exception_fails_that_function_only(course, student):
    result = check(course, student("activations", """
        def tanh_derivative(x):
            raise ValueError("bad shape")
    """), "activations")
    assert only_tanh_fails(result)
    message = by_id(result)["tanh_derivative.values"].message
    assert message.startswith("tanh_derivative raised ValueError (activations.py, line ")
    assert message.endswith(": 'bad shape'")  # the student's words, quoted


def test_infinite_loop_times_out_and_the_rest_runs(quick, student):
    started = time.perf_counter()
    result = check(quick, student("activations", """
        def tanh_derivative(x):
            while True:
                pass
    """), "activations", hidden=True)
    elapsed = time.perf_counter() - started
    failed = failing(result)
    assert set(failed) == DERIVATIVE_CHECKS | {"tanh_derivative.hidden"}
    assert all(c.kind == "timeout" for c in failed.values())
    first = failed["tanh_derivative.values"]
    assert first.message == "tanh_derivative did not finish within 0.5 s (time limit per check)"
    later = failed["tanh_derivative.numeric"]
    assert later.message.startswith("not run: tanh_derivative did not finish within 0.5 s in "
                                    "an earlier check")
    assert elapsed < 3, "one time limit for the function, not one per check"


def test_loop_inside_numpy_is_stopped_too(quick, student):
    result = check(quick, student("activations", """
        def tanh_derivative(x):
            a = np.ones((3000, 3000))
            for _ in range(10**6):
                a = a @ a
            return a
    """), "activations")
    assert only_tanh_fails(result)
    assert by_id(result)["tanh_derivative.values"].kind == "timeout"


def test_input_mutation_fails_only_the_unchanged_check(course, student):
    result = check(course, student("activations", """
        def tanh_derivative(x):
            np.tanh(x, out=x)
            x *= x
            return 1 - x
    """), "activations")
    assert set(failing(result)) == {"tanh_derivative.unchanged"}
    unchanged = by_id(result)["tanh_derivative.unchanged"]
    assert unchanged.misconception == "mutates-input"
    assert "modified its argument x in place" in unchanged.message


def test_nan_is_reported(course, student):
    result = check(course, student("activations", """
        def tanh_derivative(x):
            out = 1 - np.tanh(x) ** 2
            out[0] = np.nan
            return out
    """), "activations")
    assert "contains NaN" in by_id(result)["tanh_derivative.values"].message


def test_syntax_error_names_the_line(course, student):
    folder = student("activations", "def broken(:\n    pass\n")
    line = (folder / "activations.py").read_text().splitlines().index("def broken(:") + 1
    result = check(course, folder, "activations")
    assert result.score == 0 and len(failing(result)) == len(result.checks)
    assert all(c.kind == "import" for c in result.checks)
    assert result.problem == f"activations.py has a SyntaxError (activations.py, line {line}): " \
                             "'invalid syntax'"


def test_missing_function(course, student):
    result = check(course, student("activations", "del tanh_derivative\n"), "activations")
    assert only_tanh_fails(result)
    assert by_id(result)["tanh_derivative.values"].message == \
        "tanh_derivative is not defined in your file"


def test_name_error_inside_a_function(course, student):
    result = check(course, student("activations", """
        def tanh_derivative(x):
            return 1 - tanhh(x) ** 2
    """), "activations")
    assert "raised NameError" in by_id(result)["tanh_derivative.values"].message


def test_missing_file(course, tmp_path):
    result = check(course, tmp_path, "activations")
    assert result.score == 0 and result.problem.startswith("activations.py is missing")
    assert all(c.kind == "missing" for c in result.checks)


def test_sys_exit_at_import(course, student):
    result = check(course, student("activations", "import sys\nsys.exit(0)\n"), "activations")
    assert result.score == 0
    assert "called sys.exit() while being imported" in result.problem


def test_os_exit_in_one_function_leaves_the_others(course, student):
    result = check(course, student("activations", """
        def tanh_derivative(x):
            import os
            os._exit(0)
    """), "activations")
    assert only_tanh_fails(result)
    assert by_id(result)["tanh_derivative.values"].kind == "crash"


def test_memory_bomb_fails_that_function(course, student):
    result = check(course, student("activations", """
        def tanh_derivative(x):
            return np.ones((10**6, 10**6))
    """), "activations")
    assert only_tanh_fails(result)
    assert "out of memory" in by_id(result)["tanh_derivative.values"].message


def test_rigged_ndarray_subclass_earns_nothing(course, student):
    result = check(course, student("activations", """
        class Always(np.ndarray):
            def __eq__(self, other):
                return np.ones(np.shape(self), dtype=bool)
            def __sub__(self, other):
                return np.zeros(np.shape(self))
            __rsub__ = __sub__

        def tanh_derivative(x):
            return np.zeros_like(x).view(Always)
    """), "activations")
    assert set(failing(result)) == DERIVATIVE_CHECKS  # .unchanged counts only with right values
    assert "numpy array subclass" in by_id(result)["tanh_derivative.values"].message


def test_patching_numpy_in_the_student_file_changes_nothing(course, student):
    result = check(course, student("activations", """
        np.allclose = lambda *a, **k: True
        np.testing.assert_allclose = lambda *a, **k: None
        np.abs = lambda x: 0 * x
        np.max = lambda x, *a, **k: 0.0

        def tanh_derivative(x):
            return np.zeros_like(x)
    """), "activations")
    assert {"tanh_derivative.values", "tanh_derivative.numeric"} <= set(failing(result))


def test_wrong_types_and_shapes_are_named(course, student):
    cases = {
        "return (1 - np.tanh(x) ** 2).tolist()": "is a list of",
        "return (1 - np.tanh(x) ** 2).astype(np.float32)": "has dtype float32; expected float64",
        "return (1 - np.tanh(x) ** 2).ravel()": "has shape (33,); expected (3, 11)",
        "return None": "is None; expected a float64 numpy array of shape (3, 11)",
    }
    for body, expected in cases.items():
        result = check(course, student("activations", f"""
            def tanh_derivative(x):
                {body}
        """), "activations")
        assert expected in by_id(result)["tanh_derivative.values"].message, body


def test_printing_does_not_leak_and_is_kept(course, student, capfd):
    result = check(course, student("activations", """
        import os
        print("import-time noise")
        os.write(1, b"raw fd noise")
        def tanh_derivative(x):
            print("debug", x.shape)
            return 1 - np.tanh(x)
    """), "activations")
    out, err = capfd.readouterr()
    assert "noise" not in out + err and "debug" not in out + err
    assert "debug (3, 11)" in by_id(result)["tanh_derivative.values"].output


def test_stub_says_not_implemented(course):
    from helpers.course import ROOT

    result = check(course, ROOT / "exercises", "activations")
    assert result.score == 0
    messages = {c.function: c.message for c in result.checks}
    assert messages["sigmoid"] == "sigmoid is not implemented yet (it raises NotImplementedError)"
    assert messages["sigmoid_derivative"] in (
        "sigmoid_derivative calls sigmoid, which is not implemented yet",
        "sigmoid_derivative is not implemented yet (it raises NotImplementedError)")
    assert all(c.kind == "not-implemented" for c in result.checks)


def test_functions_returning_nothing_useful_earn_nothing(course, student):
    """Checks of a side property (no mutation, no warning) count only with a right
    result: otherwise `return None` would earn the points of leaving x alone."""
    result = check(course, student("activations", """
        def sigmoid(x):
            return None

        def sigmoid_derivative(x):
            return np.zeros_like(x)

        def tanh_derivative(x):
            return x.copy()
    """), "activations")
    assert result.score == 0 and not any(c.passed for c in result.checks)
    assert "counts only when the result is right too" in \
        by_id(result)["sigmoid.unchanged"].message


def test_run_starts_every_file_at_once_and_keeps_outcomes_apart(quick, student, tmp_path):
    folder = student("activations", "while True:\n    pass\n")  # loops while imported
    (folder / "clipping.py").write_text(source_of("clipping"), encoding="utf-8")
    exercises = quick.select(["activations", "clipping", "rnn"])  # rnn.py is missing
    started = time.monotonic()
    result = engine.run(quick, exercises, folder)
    assert time.monotonic() - started < 10
    activations, clipping, rnn = result.exercises
    assert [e.id for e in result.exercises] == ["activations", "clipping", "rnn"]
    assert activations.score == 0
    assert all(c.kind == "timeout" and "importing activations.py" in c.message
               for c in activations.checks)
    assert full_marks(clipping)
    assert rnn.score == 0 and rnn.problem.startswith("rnn.py is missing")


def test_in_threads_keeps_the_order_and_raises_the_first_error():
    assert engine.in_threads(lambda index: index * index, 7, 3) == [0, 1, 4, 9, 16, 25, 36]

    def task(index):
        if index == 4:
            raise KeyError("broken")
        return index

    with pytest.raises(KeyError, match="broken"):
        engine.in_threads(task, 7, 3)


def test_background_returns_the_value_or_raises_the_error():
    assert engine.Background(sum, [1, 2, 3]).result() == 6
    with pytest.raises(ZeroDivisionError):
        engine.Background(lambda: 1 / 0).result()


def test_one_blas_thread_keeps_a_users_choice():
    env = forkserver.one_blas_thread({"OMP_NUM_THREADS": "4"})
    assert env["OPENBLAS_NUM_THREADS"] == "1" and env["OMP_NUM_THREADS"] == "4"


def _spec(test, hidden=False):
    from rnncourse.checking.spec import CheckSpec

    return CheckSpec("sigmoid.probe", "sigmoid", test, hidden=hidden)


def _compares_with_equals(student, reference):
    """A check that compares anything but arrays with ==, as a careless one might:
    two dicts holding arrays make that raise."""
    x = np.linspace(-1.0, 1.0, 5)
    first, second = student.call("sigmoid", x), student.call("sigmoid", x)
    same = np.array_equal(first, second) if isinstance(first, np.ndarray) else first == second
    assert same, "two calls gave different results"


def test_an_exception_in_the_check_on_a_students_value_fails_the_check(course, student):
    """The reference, in the student's place, returns an array: the same check
    then raises nothing, so the exception came from the student's value."""
    from rnncourse.sandbox.process import StudentProcess

    folder = student("activations", """
        def sigmoid(x):
            return {"value": np.ones(3)}
    """)
    exercise = course.exercise("activations")
    with StudentProcess(folder / "activations.py") as process:
        (outcome,) = engine.check_specs(course, exercise, [_spec(_compares_with_equals)],
                                        process, reference_of(course))
    assert (outcome.kind, outcome.passed) == ("fail", False)
    assert outcome.message == ("what sigmoid returned could not be checked: comparing it "
                               "with the expected result raised ValueError")


def test_an_exception_the_check_raises_with_the_reference_too_is_the_graders(course, student):
    from rnncourse.sandbox.process import StudentProcess

    def broken(student, reference):
        student.call("sigmoid", np.zeros(2))
        raise RuntimeError("a bug in the check")

    exercise = course.exercise("activations")
    with StudentProcess(student("activations") / "activations.py") as process:
        (outcome,) = engine.check_specs(course, exercise, [_spec(broken)], process,
                                        reference_of(course))
    assert outcome.kind == "internal"
    assert outcome.message == "internal error in check sigmoid.probe: RuntimeError: a bug in " \
                              "the check"


def test_hidden_checks_run_last_and_show_no_student_text(course, student):
    """A process that has seen a hidden check's inputs could show them in what
    it reports later: the public checks run first (the results keep their
    order), and a hidden check keeps a bounded line of the judge's words."""
    from rnncourse.sandbox.process import StudentProcess

    def probe(student, reference):
        student.call("sigmoid", np.zeros(2))

    folder = student("activations", """
        calls = []

        def sigmoid(x):
            calls.append(x)
            print(f"call {len(calls)}")
            raise ValueError(f"inputs {x} of call {len(calls)}\\n" + "y" * 5000)
    """)
    exercise = course.exercise("activations")
    specs = [_spec(probe), _spec(probe, hidden=True), _spec(probe)]
    with StudentProcess(folder / "activations.py") as process:
        first, hidden, last = engine.check_specs(course, exercise, specs, process,
                                                 reference_of(course))
    assert first.output == "call 1\n" and last.output == "call 2\n"
    assert "'inputs [0. 0.] of call 2 yyy" in last.message and not last.hidden
    assert hidden.hidden and hidden.output == ""
    assert hidden.message.startswith("sigmoid raised ValueError (activations.py, line ")
    assert "inputs" not in hidden.message and len(hidden.message) <= 200


def reference_of(course):
    from rnncourse.course.loader import reference_module

    return reference_module(course.solutions_dir, "activations.py")
