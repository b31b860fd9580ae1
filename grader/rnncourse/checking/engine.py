"""Run the checks of some exercises on a folder of student files.

The engine is the only place that decides pass or fail. It runs in the judge's
process; the student's code runs in a process of its own (sandbox/process.py), one
per exercise file (in class grading, one handed on from file to file while
they leave it as they found it), and only plain data comes back from it.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

import numpy as np

from rnncourse.checking import references
from rnncourse.checking.scoring import Scoring, scoring
from rnncourse.checking.spec import CheckFailed, CheckSpec, collect
from rnncourse.checking.student import Student
from rnncourse.course.manifest import Course, Exercise
from rnncourse.results import CheckResult, CourseResult, ExerciseResult, Kind
from rnncourse.sandbox.calls import StudentCode, StudentError
from rnncourse.sandbox.process import StudentProcess

MAX_PRINTED = 1000
_T = TypeVar("_T")


def run(course: Course, exercises: list[Exercise], directory: Path,
        include_hidden: bool = False, workdir: Path | None = None,
        on_exercise: Callable[[ExerciseResult], None] | None = None,
        parallel: int = 3, isolation: str = "basic",
        deadline: float | None = None, one_process: bool = False) -> CourseResult:
    """Check ``exercises``; up to ``parallel`` of them at once, so that the judge
    compares one exercise's results while another's student process computes.

    ``isolation`` is "basic" (own process, memory cap: a student's own check)
    or "strict" (also no access outside ``workdir``, no signals, no network,
    no forking: class grading). ``deadline`` (time.monotonic()) bounds the
    whole run: checks not started by then fail with a clear reason.

    ``one_process`` (strict isolation, one exercise at a time): the files go
    through one student process in turn instead of a fresh process each, for
    as long as they leave the state all files share untouched (see
    sharedstate.py); a file after one that changed it gets a fresh process.
    """
    if one_process:
        return _run_in_one_process(course, exercises, Path(directory), include_hidden,
                                   workdir, on_exercise, isolation, deadline)
    with contextlib.ExitStack() as stack:
        # every student process imports its file while earlier exercises are checked
        processes = [student_process(course, exercise, Path(directory), workdir, isolation,
                                     deadline) for exercise in exercises]
        for process in processes:
            if process is not None:
                with contextlib.suppress(RuntimeError):  # retried, and reported, per check
                    stack.enter_context(process).launch()

        def one(index: int) -> ExerciseResult:
            process = processes[index]
            outcome = run_exercise(course, exercises[index], Path(directory), include_hidden,
                                   workdir, isolation, deadline, process)
            if process is not None:
                process.stop()
            if on_exercise is not None:
                on_exercise(outcome)
            return outcome

        outcomes = in_threads(one, len(exercises), parallel)
    return CourseResult(exercises=outcomes, hidden_included=include_hidden)


def _run_in_one_process(course: Course, exercises: list[Exercise], directory: Path,
                        include_hidden: bool, workdir: Path | None,
                        on_exercise: Callable[[ExerciseResult], None] | None,
                        isolation: str, deadline: float | None) -> CourseResult:
    outcomes = []
    with contextlib.ExitStack() as stack:
        previous: StudentProcess | None = None
        for exercise in exercises:
            process = student_process(course, exercise, directory, workdir, isolation, deadline)
            if process is not None:
                if previous is not None:
                    previous.hand_over(process, course.policy.check_timeout)
                stack.enter_context(process)
                previous = process
            outcome = run_exercise(course, exercise, directory, include_hidden, workdir,
                                   isolation, deadline, process)
            if on_exercise is not None:
                on_exercise(outcome)
            outcomes.append(outcome)
    return CourseResult(exercises=outcomes, hidden_included=include_hidden)


def in_threads(task: Callable[[int], ExerciseResult], count: int,
               threads: int) -> list[ExerciseResult]:
    """[task(0), ..., task(count - 1)], run by up to ``threads`` threads; the first
    exception raised by a task is raised here once all threads have stopped."""
    if threads <= 1 or count <= 1:
        return [task(index) for index in range(count)]
    outcomes: list = [None] * count
    pending = iter(range(count))
    lock = threading.Lock()
    errors: list[BaseException] = []

    def work() -> None:
        while not errors:
            with lock:
                index = next(pending, None)
            if index is None:
                return
            try:
                outcomes[index] = task(index)
            except BaseException as error:  # noqa: BLE001 - re-raised in the caller
                errors.append(error)

    workers = [threading.Thread(target=work, daemon=True) for _ in range(min(threads, count))]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if errors:
        raise errors[0]
    return outcomes


class Background(Generic[_T]):
    """A call running in a thread of its own; result() waits for it and returns
    its value or raises its exception."""

    _value: _T  # set when the call returns

    def __init__(self, function: Callable[..., _T], *args, **kwargs) -> None:
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(function, args, kwargs),
                                        daemon=True)
        self._thread.start()

    def _run(self, function: Callable[..., _T], args: tuple, kwargs: dict) -> None:
        try:
            self._value = function(*args, **kwargs)
        except BaseException as error:  # noqa: BLE001 - re-raised by result()
            self._error = error

    def result(self) -> _T:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value


def student_process(course: Course, exercise: Exercise, directory: Path,
                    workdir: Path | None, isolation: str,
                    deadline: float | None = None) -> StudentProcess | None:
    """The (not yet started) process for ``exercise``'s file, or None when the
    file is missing. No wait for it lasts past ``deadline``."""
    path = directory / exercise.file
    if not path.is_file():
        return None
    deny = (course.root,) if isolation == "strict" else ()
    return StudentProcess(path, course.policy.memory_mb, workdir, isolation, deny, deadline)


def run_exercise(course: Course, exercise: Exercise, directory: Path,
                 include_hidden: bool = False, workdir: Path | None = None,
                 isolation: str = "basic", deadline: float | None = None,
                 process: StudentProcess | None = None) -> ExerciseResult:
    """Run one exercise's checks, scored by the one rule (scoring.py): without
    the hidden checks, the maximum is the public share of the exercise."""
    specs = [spec for spec in collect(exercise) if include_hidden or not spec.hidden]
    result = ExerciseResult(exercise.id, exercise.title, scoring(exercise).checks(specs),
                            notes=exercise.notes, optional=exercise.optional)
    missing = f"{exercise.file} is missing from {directory}"
    if not (directory / exercise.file).is_file():
        return missing_result(exercise, missing, include_hidden)
    reference = references.reference(course, exercise)  # the solution, or its records
    if process is None:  # its own process, stopped at the end
        own = student_process(course, exercise, directory, workdir, isolation, deadline)
        if own is None:  # the file was removed since
            return missing_result(exercise, missing, include_hidden)
        with own:
            result.checks = check_specs(course, exercise, specs, own, reference, deadline)
    else:  # the caller's, left running
        result.checks = check_specs(course, exercise, specs, process, reference, deadline)
    import_problem = next((c.message for c in result.checks if c.kind == "import"), None)
    result.problem = import_problem
    return result


def missing_result(exercise: Exercise, problem: str, include_hidden: bool = True
                   ) -> ExerciseResult:
    """An exercise with nothing to check: every check fails with ``problem``."""
    rule = scoring(exercise)
    specs = [spec for spec in collect(exercise) if include_hidden or not spec.hidden]
    return ExerciseResult(exercise.id, exercise.title, rule.checks(specs), notes=exercise.notes,
                          problem=problem, optional=exercise.optional,
                          checks=[_failed(spec, exercise, rule, problem, Kind.MISSING)
                                  for spec in specs])


def check_specs(course: Course, exercise: Exercise, specs: list[CheckSpec], process: StudentCode,
                reference: object, deadline: float | None = None) -> list[CheckResult]:
    """Run ``specs`` of ``exercise`` against ``process`` (a StudentProcess, or
    the in-kernel backend of nbgrader's notebooks)."""
    rule = scoring(exercise)
    results = []
    for spec in specs:
        if deadline is not None and time.monotonic() >= deadline:
            results.append(_failed(spec, exercise, rule,
                                   "not run: the time limit for this submission was reached",
                                   Kind.TIMEOUT))
            continue
        results.append(_run_check(course, exercise, spec, rule, process, reference))
    return results


def _run_check(course: Course, exercise: Exercise, spec: CheckSpec, rule: Scoring,
               process: StudentCode, reference: object) -> CheckResult:
    max_points = rule.check(spec)
    student = Student(process, exercise.id, course.policy.check_timeout)
    fixtures = {"student": student, "reference": reference, "policy": course.policy}
    outcome = CheckResult(spec.id, spec.function, False, 0.0, max_points,
                          hidden=spec.hidden, notes=exercise.notes)
    try:
        process.reset()
        code = spec.test.__code__
        names = code.co_varnames[:code.co_argcount]
        if "rng" in names:  # numpy.random is only imported by checks that ask for it
            fixtures["rng"] = np.random.default_rng(None if spec.hidden else spec.seed)
        arguments = {name: fixtures[name] for name in names}
        with np.errstate(all="ignore"):
            spec.test(**arguments)
    except StudentError as error:
        outcome.message, outcome.kind = str(error), error.kind
    except CheckFailed as failure:
        outcome.message, outcome.kind = failure.message, "fail"
        outcome.hint = failure.hint
        _explain(course, outcome, failure.misconception)
    except AssertionError as failure:
        outcome.message, outcome.kind = str(failure) or f"{spec.id} failed", "fail"
    except KeyError as error:
        outcome.message, outcome.kind = f"internal error: unknown fixture {error}", "internal"
    except Exception as error:  # noqa: BLE001 - a check must never stop the run
        outcome.message = (f"internal error in check {spec.id}: "
                           f"{type(error).__name__}: {error}")
        outcome.kind = "internal"
    else:
        outcome.passed, outcome.points, outcome.kind = True, max_points, "pass"
    if not outcome.passed and outcome.hint is None and outcome.kind == "fail":
        outcome.hint = spec.hint
    outcome.output = "".join(student.printed)[:MAX_PRINTED]
    return outcome


def _explain(course: Course, outcome: CheckResult, misconception: str | None) -> None:
    known = course.misconceptions.get(misconception) if misconception else None
    if known is None:
        return
    outcome.misconception = known.id
    outcome.hint = known.hint
    outcome.notes = known.notes


def _failed(spec: CheckSpec, exercise: Exercise, rule: Scoring, message: str,
            kind: str) -> CheckResult:
    return CheckResult(spec.id, spec.function, False, 0.0, rule.check(spec), message=message,
                       hidden=spec.hidden, kind=kind, notes=exercise.notes)

