"""solutions/ -> exercises/: the stubs are up to date, hold no solution code, and
build never overwrites a student's work without --force."""

import ast
import shutil

import pytest
from helpers.course import ROOT

from rnncourse.course import manifest as course_module
from rnncourse.course import stubs as build
from rnncourse.errors import CourseError


def test_exercises_are_built_from_solutions(course):
    stale = [item.path.name for item in build.plan(course) if item.state != "same"]
    assert not stale, f"run `rnncourse build`: out of date: {stale}"


def test_stubs_hold_no_solution_code_and_raise(course):
    for exercise in course.exercises:
        stub = (course.exercises_dir / exercise.file).read_text()
        assert build.BEGIN not in stub and build.END not in stub
        tree = ast.parse(stub)
        functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
        for name in exercise.functions:
            body = functions[name].body
            assert ast.get_docstring(functions[name]), f"{name} lost its docstring"
            last = body[-1]
            assert isinstance(last, ast.Raise) and "NotImplementedError" in ast.unparse(last)


def test_docstrings_and_todos_survive(course):
    solution = (course.solutions_dir / "clipping.py").read_text()
    stub = (course.exercises_dir / "clipping.py").read_text()
    for line in solution.splitlines():
        if line.strip().startswith("# TODO") or "Returns a tuple of:" in line:
            assert line in stub


def test_strip_solutions_rules():
    source = '''import numpy as np

### BEGIN SOLUTION
def _helper():
    return 1
### END SOLUTION


def f(x):
    """Doc."""
    # TODO: double x.
    ### BEGIN SOLUTION
    return 2 * x
    ### END SOLUTION
'''
    stub = build.strip_solutions(source, "f.py")
    assert "_helper" not in stub and "2 * x" not in stub
    assert '    raise NotImplementedError("TODO: implement f")' in stub
    assert "# TODO: double x." in stub
    assert build.is_untouched_stub(stub)
    assert not build.is_untouched_stub(stub.replace("raise NotImplementedError", "return 2 *"))


@pytest.mark.parametrize("source, problem", [
    ("### BEGIN SOLUTION\nx = 1\n", "is never closed"),
    ("x = 1\n### END SOLUTION\n", "without ### BEGIN SOLUTION"),
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n", "inside another solution region"),
])
def test_broken_markers_name_the_line(source, problem):
    with pytest.raises(CourseError, match=problem):
        build.strip_solutions(source, "solutions/x.py")


@pytest.fixture
def course_copy(tmp_path):
    for name in ("course.toml",):
        shutil.copy(ROOT / name, tmp_path / name)
    for folder in ("solutions", "exercises"):
        shutil.copytree(ROOT / folder, tmp_path / folder,
                        ignore=shutil.ignore_patterns("__pycache__"))
    return course_module.load(tmp_path)


def test_build_refuses_to_overwrite_student_work(course_copy):
    stub = course_copy.exercises_dir / "activations.py"
    stub.write_text(stub.read_text().replace(
        'raise NotImplementedError("TODO: implement sigmoid")', "return 1 / (1 + np.exp(-x))"))
    solution = course_copy.solutions_dir / "activations.py"
    solution.write_text(solution.read_text().replace("The logistic sigmoid", "The sigmoid"))
    planned = build.plan(course_copy)
    assert {item.path.name: item.state for item in planned}["activations.py"] == "edited"
    with pytest.raises(CourseError, match="has been edited since it was built"):
        build.write(planned)
    assert "return 1 / (1 + np.exp(-x))" in stub.read_text()
    build.write(planned, force=True)
    assert "The sigmoid" in stub.read_text()


def test_build_updates_untouched_stubs(course_copy):
    solution = course_copy.solutions_dir / "clipping.py"
    solution.write_text(solution.read_text().replace("Rescale all gradients", "Scale all grads"))
    planned = build.plan(course_copy)
    assert {item.path.name: item.state for item in planned}["clipping.py"] == "changed"
    written = build.write(planned)
    assert [item.path.name for item in written] == ["clipping.py"]
    assert all(item.state == "same" for item in build.plan(course_copy))
