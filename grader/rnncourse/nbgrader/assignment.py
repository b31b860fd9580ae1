"""Write the course as an nbgrader course directory.

One assignment, one notebook per exercise. For each function a notebook has a
read-only markdown cell (what to implement, shapes, the notes to read), an
autograded-answer cell holding the function from solutions/ with its solution
region between nbgrader's ``### BEGIN SOLUTION`` / ``### END SOLUTION``, and an
autograder test cell worth the function's points that calls into
rnncourse.notebook, its hidden checks between ``### BEGIN HIDDEN TESTS`` /
``### END HIDDEN TESTS``. Cell metadata follows nbgrader's schema version 3.
Notebooks are plain nbformat 4.5 JSON, written without needing nbformat.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

from rnncourse import atomic
from rnncourse.checking.scoring import function_points
from rnncourse.course.manifest import Course, Exercise
from rnncourse.errors import CourseError

ASSIGNMENT = "rnn-gradients"
CELL_TIMEOUT = 300  # seconds for one cell: all checks of one function, hidden ones included

CONFIG = '''\
"""nbgrader configuration written by `rnncourse nbgrader init`."""

import os

c = get_config()  # noqa: F821 - provided by nbgrader

# The test cells grade through rnncourse; they find the course here.
os.environ.setdefault("RNNCOURSE_HOME", {root!r})

c.CourseDirectory.course_id = {course_id!r}
# One test cell runs every check of one function, hidden ones included.
c.Execute.timeout = {timeout}
# Feedback shows the student's notebook with their grades, never the hidden
# tests: strip them (nbgrader's default feedback keeps them). Check output
# wraps rather than running off the page, hints included.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    "rnncourse.nbgrader.feedback.WrapOutput",
]
'''

TEST_CELL = '''\
from rnncourse.nbgrader.cells import NotebookGrader
grader = NotebookGrader({exercise!r}, {function!r}, globals())
grader.check()
### BEGIN HIDDEN TESTS
grader.check(hidden=True)
### END HIDDEN TESTS
grader.points()'''


def write(course: Course, target: Path, assignment: str = ASSIGNMENT,
          force: bool = False, optional: bool = False) -> list[Path]:
    """Write nbgrader_config.py and source/<assignment>/<exercise>.ipynb under
    ``target``; refuse to overwrite an existing nbgrader course unless ``force``.
    Optional exercises only with ``optional``: nbgrader knows no extra credit and
    would count their points in every student's maximum."""
    config = target / "nbgrader_config.py"
    if config.exists() and not force:
        raise CourseError(f"{target} already holds an nbgrader course ({config.name}); "
                          "use --force to write over it")
    notebooks = {exercise.id: notebook(course, exercise) for exercise in course.exercises
                 if optional or not exercise.optional}
    written = []
    atomic.write_text(config, CONFIG.format(root=str(course.root), course_id=course.name,
                                            timeout=CELL_TIMEOUT))
    written.append(config)
    folder = target / "source" / assignment
    for exercise_id, content in notebooks.items():
        path = folder / f"{exercise_id}.ipynb"
        atomic.write_text(path, json.dumps(content, indent=1, ensure_ascii=False) + "\n")
        written.append(path)
    return written


def notebook(course: Course, exercise: Exercise) -> dict:
    """The source notebook of one exercise, as nbformat JSON."""
    path = course.solutions_dir / exercise.file
    try:
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
    except (OSError, SyntaxError) as error:
        raise CourseError(f"{path}: cannot be read as Python ({error})") from None
    lines = source.splitlines()
    functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    missing = [name for name in exercise.functions if name not in functions]
    if missing:
        raise CourseError(f"{path}: no function {missing[0]} (listed in course.toml)")
    points = function_points(exercise)
    cells = [_markdown(f"{exercise.id}-intro", _intro(exercise, ast.get_docstring(tree) or "",
                                                      sum(points.values())))]
    setup = [_segment(lines, node) for node in tree.body
             if not (isinstance(node, ast.FunctionDef) and node.name in exercise.functions)
             and not _is_docstring(node, tree)]
    cells.append(_code(f"{exercise.id}-setup", "\n\n".join(setup), locked=True))
    for name in exercise.functions:
        node = functions[name]
        cells.append(_markdown(f"{name}-task", _task(name, ast.get_docstring(node) or "",
                                                     points[name], exercise.notes)))
        cells.append(_code(f"{name}-answer", _segment(lines, node), solution=True))
        cells.append(_code(f"{name}-tests", TEST_CELL.format(exercise=exercise.id,
                                                             function=name),
                           grade=True, locked=True, points=points[name]))
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def _is_docstring(node: ast.stmt, tree: ast.Module) -> bool:
    return (node is tree.body[0] and isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str))


def _segment(lines: list[str], node: ast.stmt) -> str:
    """The source of a top-level statement, with the indented comments that
    follow its last line (an AST node ends before them: ### END SOLUTION)."""
    start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    end = node.end_lineno
    assert end is not None  # ast.parse sets it
    while end < len(lines) and lines[end].startswith((" ", "\t")) \
            and lines[end].lstrip().startswith("#"):
        end += 1
    return "\n".join(lines[start - 1:end])


def _intro(exercise: Exercise, docstring: str, points: float) -> str:
    optional = " (optional)" if exercise.optional else ""
    return (f"# {exercise.title}{optional}\n\n"
            f"{docstring}\n\n"
            f"This notebook is worth {points:g} points. Fill in each function where it says "
            "`YOUR CODE HERE`, then run its test cell: it shows which checks pass, and for "
            "a failing one what went wrong and what to read. Some checks are hidden and "
            "run when your work is graded.\n\n"
            f"Notes: `rnncourse notes {exercise.notes}`")


def _task(name: str, docstring: str, points: float, notes: str) -> str:
    summary = docstring.strip().splitlines()[0] if docstring.strip() else ""
    return (f"## `{name}` ({points:g} points)\n\n{summary}\n\n"
            "The function's docstring below gives the shape of every input and output and "
            f"the equations. Notes: `rnncourse notes {notes}`")


def _metadata(grade_id: str, *, grade: bool = False, solution: bool = False,
              locked: bool = False, points: float | None = None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": False}
    if grade:
        meta["points"] = points
    return {"nbgrader": meta}


def _markdown(grade_id: str, text: str) -> dict:
    return {"cell_type": "markdown", "id": grade_id, "source": text,
            "metadata": _metadata(grade_id, locked=True)}


def _code(grade_id: str, text: str, **nbgrader) -> dict:
    return {"cell_type": "code", "id": grade_id, "source": text, "execution_count": None,
            "outputs": [], "metadata": _metadata(grade_id, **nbgrader)}
