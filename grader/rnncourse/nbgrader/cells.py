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

import contextlib
import signal
import threading
import time
import warnings
from pathlib import Path

from rnncourse.checking import engine
from rnncourse.checking.scoring import scoring
from rnncourse.checking.spec import collect
from rnncourse.course import manifest as course_module
from rnncourse.course.loader import reference_module
from rnncourse.results import CheckResult
from rnncourse.sandbox import protocol, worker
from rnncourse.sandbox.process import (
    StudentError,
    call_from_reply,
    pack_perturbations,
    stacked_from_reply,
)

MIMETYPE = "application/vnd.rnncourse.checks+json"


class _OutOfTime(BaseException):
    """Raised into the student's code by SIGALRM when a call runs too long."""


class _Names:
    """The notebook's namespace, seen as a module (the worker calls getattr on it)."""

    def __init__(self, namespace: dict) -> None:
        self._namespace = namespace

    def __getattr__(self, name: str) -> object:
        return self._namespace.get(name)


class NotebookStudent:
    """The student's functions in the notebook's kernel, behind the interface of
    a StudentProcess. Calls go through the worker's own code and a round trip of
    the wire format, so the checks see exactly what they would see from a
    student process (copies of arguments, plain arrays back, handles for
    caches). The kernel is the boundary nbgrader provides; time limits use
    SIGALRM, so they hold in the kernel's main thread (where cells run)."""

    running = True

    def __init__(self, namespace: dict, filename: str) -> None:
        self.path = Path(filename)
        self.session = worker._Session(None, generation=1)
        self.session.module = _Names(namespace)
        self.session.student_dir = "\0"  # no file of the student's: no line numbers
        self.report = {"isolation": "notebook kernel"}
        self.timed_out: dict[str, float] = {}

    def start(self, timeout: float) -> None:
        pass

    def stop(self) -> None:
        pass

    def reset(self) -> None:
        self.session.objects.clear()

    def call(self, function: str, args: tuple, keep: tuple = (), timeout: float = 3.0,
             watch: bool = False):
        started = time.perf_counter()
        reply = self._exchange({"op": "call", "fn": function, "args": list(args),
                                "keep": list(keep), "watch": watch}, timeout, (function,))
        return call_from_reply(function, reply, watch, time.perf_counter() - started)

    def call_batch(self, calls: list, timeout: float = 3.0) -> list:
        functions = tuple(dict.fromkeys(function for function, _, _ in calls))
        started = time.perf_counter()
        reply = self._exchange({"op": "batch", "calls": [
            {"op": "call", "fn": function, "args": list(args), "keep": list(keep)}
            for function, args, keep in calls]}, timeout, functions)
        seconds = time.perf_counter() - started
        results = []
        for (function, _, _), item in zip(calls, reply.get("replies", [])):
            try:
                results.append(call_from_reply(function, item, False, seconds))
            except StudentError as error:
                results.append(error)
        return results

    def perturbed(self, function: str, args: tuple, perturbations: list, only: tuple,
                  timeout: float = 3.0) -> list:
        reply = self._exchange({"op": "perturbed", "fn": function, "args": list(args),
                                **pack_perturbations(perturbations), "only": list(only)},
                               timeout, (function,))
        return stacked_from_reply(function, reply, len(perturbations), len(only))

    def _exchange(self, request: dict, timeout: float, functions: tuple[str, ...]) -> dict:
        for function in functions:
            if function in self.timed_out:
                raise StudentError(
                    f"not run: {function} did not finish within {self.timed_out[function]:g} s "
                    "in an earlier check, so it is not called again", "timeout")
        request = protocol.decode_request(protocol.encode_request(request))  # copies
        captured = self.session.captured
        try:
            with contextlib.redirect_stdout(captured), contextlib.redirect_stderr(captured), \
                    warnings.catch_warnings(), _time_limit(timeout):
                warnings.simplefilter("ignore")
                answer = worker._answer(self.session, request)
        except _OutOfTime:
            answer = {"ok": False, "error": {"type": "_OutOfTime"}}
        if _ran_out_of_time(answer):
            for function in functions:
                self.timed_out[function] = timeout
            raise StudentError(f"{' and '.join(functions)} did not finish within {timeout:g} s "
                               "(time limit per check)", "timeout")
        return protocol.decode(protocol.encode(answer, keep=self.session.keep))

    def __enter__(self) -> NotebookStudent:
        return self

    def __exit__(self, *exc) -> None:
        pass


def _ran_out_of_time(answer: dict) -> bool:
    answers = answer.get("replies", [answer]) if answer.get("ok") else [answer]
    return any(isinstance(item, dict) and not item.get("ok")
               and (item.get("error") or {}).get("type") == "_OutOfTime" for item in answers)


@contextlib.contextmanager
def _time_limit(seconds: float):
    """Interrupt the code inside after ``seconds``, and every 50 ms after that, so
    that every call of a batch stops (main thread only; elsewhere no limit)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise _OutOfTime()

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 1e-3), 0.05)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class NotebookGrader:
    """Grades one function of one exercise from a notebook test cell."""

    def __init__(self, exercise: str, function: str, namespace: dict) -> None:
        self.course = course_module.load()
        self.exercise = self.course.exercise(exercise)
        self.function = function
        self.specs = [spec for spec in collect(self.exercise) if spec.function == function]
        self.cell_points = scoring(self.exercise).checks(self.specs)
        self.student = NotebookStudent(namespace, self.exercise.file)
        self.results: list[CheckResult] = []

    def check(self, hidden: bool = False) -> None:
        """Run the public (or the hidden) checks of the function, print what
        happened, and attach the results to the cell's output."""
        specs = [spec for spec in self.specs if spec.hidden == hidden]
        try:
            reference = reference_module(self.course.solutions_dir, self.exercise.file)
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


__all__ = ["MIMETYPE", "NotebookGrader", "NotebookStudent"]
