"""Checks run from the test cells of an nbgrader notebook.

A test cell grades one function:

    from rnncourse.nbgrader.cells import NotebookGrader
    grader = NotebookGrader("lstm", "lstm_step_forward", globals())
    grader.check()
    ### BEGIN HIDDEN TESTS
    grader.check(hidden=True)
    ### END HIDDEN TESTS
    grader.points()

The check logic stays in the package: neither the notebook nor a traceback
shows it (a test cell never raises). ``points()`` is the cell's last value,
which nbgrader reads as partial credit: the cell's points times the share of
the checks run that passed. With the hidden checks (autograde) that is exactly
the points ``rnncourse grade`` gives the function; in a student's copy
(hidden checks stripped), right code gets the cell's full points, so
``nbgrader validate`` passes it. Nothing is written to stderr, which nbgrader
would count as a failure. ``points()`` also attaches every check's result to
the cell's output as JSON (``MIMETYPE``), which ``rnncourse nbgrader report``
reads back.
"""

from __future__ import annotations

from rnncourse.checking import engine, references
from rnncourse.checking.scoring import function_points
from rnncourse.checking.spec import collect
from rnncourse.course import manifest as course_module
from rnncourse.results import CheckResult
from rnncourse.sandbox.inkernel import InKernelStudent

MIMETYPE = "application/vnd.rnncourse.checks+json"


class NotebookGrader:
    """Grades one function of one exercise from a notebook test cell."""

    def __init__(self, exercise: str, function: str, namespace: dict) -> None:
        self.course = course_module.load()
        self.exercise = self.course.exercise(exercise)
        self.function = function
        self.specs = [spec for spec in collect(self.exercise) if spec.function == function]
        # all of the function's points, its hidden checks' included (a student
        # edition has only their weights)
        self.cell_points = function_points(self.exercise)[function]
        self.student = InKernelStudent(namespace, self.exercise.file)
        self.results: list[CheckResult] = []

    def check(self, hidden: bool = False) -> None:
        """Run the public (or the hidden) checks of the function, print what
        happened, and attach the results to the cell's output."""
        specs = [spec for spec in self.specs if spec.hidden == hidden]
        try:
            reference = references.reference(self.course, self.exercise)
            results = engine.check_specs(self.course, self.exercise, specs, self.student,
                                         reference)
        except Exception as error:  # noqa: BLE001 - a test cell must never raise
            results = [CheckResult(spec.id, spec.function, False, 0.0, 0.0,
                                   message=f"internal error: {type(error).__name__}: {error}",
                                   hidden=spec.hidden, kind="internal") for spec in specs]
        self.results += results
        print(_summary(results, hidden))

    def points(self) -> float:
        """The cell's partial credit: its points times the share (by points) of the
        checks run that passed. Also attaches every result to the cell's output —
        here, after all of the student's code in the cell has run, so that code
        cannot publish results of its own after ours."""
        _attach({"exercise": self.exercise.id, "function": self.function,
                 "checks": [result.to_dict() for result in self.results]})
        available = sum(result.max_points for result in self.results)
        if available <= 0:
            return 0.0
        earned = sum(result.points for result in self.results)
        return min(round(self.cell_points * earned / available, 6), self.cell_points)


def _summary(results: list[CheckResult], hidden: bool) -> str:
    if not results:
        return ""
    kind = "hidden checks" if hidden else "checks"
    passed = sum(result.passed for result in results)
    lines = [f"{passed} of {len(results)} {kind} pass"]
    for result in results:
        mark = "✓" if result.passed else "✗"
        lines.append(f"  {mark} {result.id}  {result.points:g}/{result.max_points:g}")
        if not result.passed:
            lines.append(f"      {result.message}")
            if result.misconception:
                lines.append(f"      Misconception: {result.misconception}")
            if result.hint:
                lines.append(f"      Hint: {result.hint}")
            if result.notes and (result.hint or result.misconception):
                lines.append(f"      Read: rnncourse notes {result.notes}")
    return "\n".join(lines)


def _attach(data: dict) -> None:
    """Put the results in the cell's outputs, for `rnncourse nbgrader report`."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        return
    if get_ipython() is not None:
        display({MIMETYPE: data}, raw=True)


__all__ = ["MIMETYPE", "NotebookGrader"]
