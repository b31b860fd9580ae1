"""Run the checks of some exercises on a folder of student files.

The engine is the only place that decides pass or fail. It runs in the judge's
process; the student's code runs in a process of its own (sandbox/process.py), one
per exercise file (in class grading, one handed on from file to file while
they leave it as they found it), and only plain data comes back from it.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import threading
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

import numpy as np

from rnncourse import untrusted
from rnncourse.checking import references
from rnncourse.checking.records import NotRecorded
from rnncourse.checking.scoring import Scoring, scoring
from rnncourse.checking.spec import CheckFailed, CheckSpec, collect
from rnncourse.checking.student import Student
from rnncourse.course.manifest import Course, Exercise
from rnncourse.results import HIDDEN_MESSAGE, CheckResult, CourseResult, ExerciseResult, Kind
from rnncourse.sandbox.calls import StudentCode, StudentError
from rnncourse.sandbox.process import StudentProcess

MAX_PRINTED = 1000  # characters of what the student's code printed during a check
MAX_MESSAGE = 2000  # characters of a check's message
_T = TypeVar("_T")


def run(course: Course, exercises: list[Exercise], directory: Path,
        include_hidden: bool = False, workdir: Path | None = None,
        on_exercise: Callable[[ExerciseResult], None] | None = None,
        parallel: int = 3, isolation: str = "basic",
        deadline: float | None = None, one_process: bool = False,
        seed_key: bytes | None = None) -> CourseResult:
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

    ``seed_key`` (class grading: the student's key, course/secret.py) makes each
    hidden check's cases the same on every run for this student (see _seed).
    """
    if one_process:
        return _run_in_one_process(course, exercises, Path(directory), include_hidden,
                                   workdir, on_exercise, isolation, deadline, seed_key)
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
                                   workdir, isolation, deadline, process, seed_key=seed_key)
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
                        isolation: str, deadline: float | None,
                        seed_key: bytes | None = None) -> CourseResult:
    """The public checks of every file first, then (``include_hidden``) the
    hidden ones, the files handed on in turn: no public check runs in a process
    that has seen hidden inputs, since its feedback could show them."""
    passes: tuple[bool | None, ...] = (False, True) if include_hidden else (None,)
    parts: list[list[ExerciseResult]] = []
    timed_out: dict[str, dict[str, float]] = {}  # one time limit per function, both passes
    with contextlib.ExitStack() as stack:
        previous: StudentProcess | None = None
        for only_hidden in passes:
            part = []
            for exercise in exercises:
                process = student_process(course, exercise, directory, workdir, isolation,
                                          deadline)
                if process is not None:
                    process.timed_out.update(timed_out.get(exercise.id, {}))
                    if previous is not None:
                        previous.hand_over(process, course.policy.check_timeout)
                    stack.enter_context(process)
                    previous = process
                part.append(run_exercise(course, exercise, directory, include_hidden, workdir,
                                         isolation, deadline, process, only_hidden, seed_key))
                if process is not None:
                    timed_out[exercise.id] = process.timed_out
            parts.append(part)
    outcomes = [_merged(exercise, list(results)) for exercise, results in zip(exercises,
                                                                              zip(*parts))]
    for outcome in outcomes:
        if on_exercise is not None:
            on_exercise(outcome)
    return CourseResult(exercises=outcomes, hidden_included=include_hidden)


def _merged(exercise: Exercise, parts: list[ExerciseResult]) -> ExerciseResult:
    """One exercise's result from the results of its public and hidden checks,
    its checks in the order its check module defines them."""
    merged = parts[0]
    if len(parts) > 1:
        order = {spec.id: index for index, spec in enumerate(collect(exercise))}
        merged.checks = sorted((check for part in parts for check in part.checks),
                               key=lambda check: order.get(check.id, len(order)))
        merged.problem = next((part.problem for part in parts if part.problem), None)
    return merged


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
                 process: StudentProcess | None = None,
                 only_hidden: bool | None = None,
                 seed_key: bytes | None = None) -> ExerciseResult:
    """Run one exercise's checks, scored by the one rule (scoring.py): without
    the hidden checks, the maximum is the public share of the exercise.
    ``only_hidden`` True or False: run (and return) only the hidden or only the
    public checks, the maximum still that of them all."""
    specs = [spec for spec in collect(exercise) if include_hidden or not spec.hidden]
    result = ExerciseResult(exercise.id, exercise.title, scoring(exercise).checks(specs),
                            notes=exercise.notes, optional=exercise.optional)
    if only_hidden is not None:
        specs = [spec for spec in specs if spec.hidden == only_hidden]
    missing = f"{exercise.file} is missing from {directory}"
    if not (directory / exercise.file).is_file():
        return _only(missing_result(exercise, missing, include_hidden), only_hidden)
    reference = references.reference(course, exercise)  # the solution, or its records
    if process is None:  # its own process, stopped at the end
        own = student_process(course, exercise, directory, workdir, isolation, deadline)
        if own is None:  # the file was removed since
            return _only(missing_result(exercise, missing, include_hidden), only_hidden)
        with own:
            result.checks = check_specs(course, exercise, specs, own, reference, deadline,
                                        seed_key)
    else:  # the caller's, left running
        result.checks = check_specs(course, exercise, specs, process, reference, deadline,
                                    seed_key)
    import_problem = next((c.message for c in result.checks if c.kind == "import"), None)
    result.problem = import_problem
    return result


def _only(result: ExerciseResult, only_hidden: bool | None) -> ExerciseResult:
    if only_hidden is not None:
        result.checks = [check for check in result.checks if check.hidden == only_hidden]
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
                reference: object, deadline: float | None = None,
                seed_key: bytes | None = None) -> list[CheckResult]:
    """Run ``specs`` of ``exercise`` against ``process`` (a StudentProcess, or
    the in-kernel backend of nbgrader's notebooks); the results in the order of
    ``specs``. The public checks run first: once a process has seen a hidden
    check's inputs, whatever it reports could show them (see _run_check)."""
    rule = scoring(exercise)
    results: list[CheckResult | None] = [None] * len(specs)
    for index in sorted(range(len(specs)), key=lambda index: specs[index].hidden):
        spec = specs[index]
        if deadline is not None and time.monotonic() >= deadline:
            results[index] = _failed(spec, exercise, rule,
                                     "not run: the time limit for this submission was reached",
                                     Kind.TIMEOUT)
        else:
            results[index] = _run_check(course, exercise, spec, rule, process, reference,
                                        seed_key)
    return [result for result in results if result is not None]


def _run_check(course: Course, exercise: Exercise, spec: CheckSpec, rule: Scoring,
               process: StudentCode, reference: object,
               seed_key: bytes | None = None) -> CheckResult:
    """Run one check. Whatever the check raises ends it as a failed check with
    a one-line message. An exception that is not a failure (a TypeError while
    comparing, say) is the grader's own ("internal": no score, retried) only
    when the check raises it with the reference solution in the student's
    place too; otherwise the student's value caused it, and the check fails.

    A hidden check's inputs are not shown, and whatever the student's code
    wrote during it could show them: a hidden check keeps only the judge's own
    words, a bounded line (``_hide_student_text``), and no printed output.
    (Public checks never run after hidden ones in the same process: see
    check_specs and _run_in_one_process.)"""
    max_points = rule.check(spec)
    outcome = CheckResult(spec.id, spec.function, False, 0.0, max_points,
                          hidden=spec.hidden, notes=exercise.notes)
    seed = outcome.seed = _seed(spec, seed_key)
    student = Student(process, exercise.id, course.policy.check_timeout)
    try:
        arguments = _arguments(spec, course, student, reference, seed)
    except KeyError as error:  # the check module asks for what the engine does not have
        outcome.message, outcome.kind = f"internal error: unknown fixture {error}", "internal"
        return outcome
    student_brief = ""
    try:
        process.reset()
        with np.errstate(all="ignore"):
            spec.test(**arguments)
    except StudentError as error:
        outcome.message, outcome.kind = str(error), error.kind
        student_brief = error.brief
    except CheckFailed as failure:
        outcome.message, outcome.kind = failure.message, "fail"
        outcome.hint = failure.hint
        _explain(course, outcome, failure.misconception)
    except AssertionError as failure:
        outcome.message, outcome.kind = str(failure) or f"{spec.id} failed", "fail"
    except NotRecorded as missing:  # a student edition that cannot decide this check
        outcome.message, outcome.kind = str(missing), "internal"
    except Exception as error:  # noqa: BLE001 - a check must never stop the run
        own = _fails_with_the_reference(course, exercise, spec, reference, seed)
        if own is not None:
            outcome.message = untrusted.line(f"internal error in check {spec.id}: "
                                             f"{type(own).__name__}: {own}")
            outcome.kind = "internal"
        else:
            outcome.message = (f"what {spec.function} returned could not be checked: comparing "
                               f"it with the expected result raised {type(error).__name__}")
            outcome.kind = "fail"
    else:
        outcome.passed, outcome.points, outcome.kind = True, max_points, "pass"
    if not outcome.passed and outcome.hint is None and outcome.kind == "fail":
        outcome.hint = spec.hint
    if spec.hidden:
        _hide_student_text(outcome, student_brief)
    else:
        outcome.message = untrusted.text(outcome.message, MAX_MESSAGE)
        outcome.output = untrusted.text("".join(student.printed), MAX_PRINTED)
    return outcome


def _hide_student_text(outcome: CheckResult, student_brief: str) -> None:
    """The message of a hidden check: the judge's own words (the student's
    exception message left out), sanitised, one line of at most HIDDEN_MESSAGE
    characters; nothing the student's code printed."""
    if outcome.kind != "internal":  # the grader's failure stays whole, for the instructor
        outcome.message = untrusted.line(student_brief or outcome.message, HIDDEN_MESSAGE)
    outcome.output = ""


def _seed(spec: CheckSpec, seed_key: bytes | None = None) -> int:
    """The check's random seed, kept in its result (so that the check can be run
    again on the same draws): fixed for public checks; for hidden ones
    HMAC-SHA256(``seed_key``, check id), where class grading passes the
    student's key (HMAC of the course secret and the student id,
    course/secret.py), so the same student always gets the same cases, and
    fresh without a key (an instructor's own `check --hidden`)."""
    if not spec.hidden:
        return spec.seed
    if seed_key is None:
        return int.from_bytes(os.urandom(8), "little")
    digest = hmac.new(seed_key, spec.id.encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "little")


def _arguments(spec: CheckSpec, course: Course, student: Student, reference: object,
               seed: int) -> dict:
    """The check function's arguments, by name; KeyError for an unknown one."""
    code = spec.test.__code__
    names = code.co_varnames[:code.co_argcount]
    fixtures: dict = {"student": student, "reference": reference, "policy": course.policy}
    if "rng" in names:  # numpy.random is only imported by checks that ask for it
        fixtures["rng"] = np.random.default_rng(seed)
    return {name: fixtures[name] for name in names}


def _fails_with_the_reference(course: Course, exercise: Exercise, spec: CheckSpec,
                              reference: object, seed: int) -> BaseException | None:
    """Run the check with the reference solution as the student, in this
    process, on the same draws: the exception it raises (a bug of the grader),
    or None when it raises none (a failed check is not a crash). A student
    edition's recorded reference has no functions to stand in with: there the
    student's value is blamed (nothing is graded there)."""
    from rnncourse.sandbox.inkernel import InKernelStudent  # rarely needed: loaded when it is

    if not isinstance(reference, types.ModuleType):
        return None
    stand_in = InKernelStudent(vars(reference), exercise.file)
    student = Student(stand_in, exercise.id, course.policy.check_timeout)
    try:
        with np.errstate(all="ignore"):
            spec.test(**_arguments(spec, course, student, reference, seed))
    except (CheckFailed, AssertionError):
        return None
    except Exception as error:  # noqa: BLE001 - what the check raised, to report
        return error
    return None


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

