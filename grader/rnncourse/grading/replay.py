"""`rnncourse grade --replay STUDENT CHECK_ID`: one recorded check, run again.

What an instructor needs to answer a regrade request: the student's files as
they were graded (kept in the gradebook by content hash), the check's seed
(the student's own key: the same cases as in the grading; seeds.py), and
every call the check made into the student's code: its inputs, what the
student's code returned and what the reference returns on the same inputs.
The student's code runs in a strict student process, as in grading; the
reference runs here, in the judge's place.

A check is replayed alone, in a fresh process; code whose results depend on
what earlier checks called it with may come out differently, and the replay
says when it does.
"""

from __future__ import annotations

import copy
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from rnncourse.checking import engine
from rnncourse.checking.references import reference
from rnncourse.course import secret as seeds
from rnncourse.course.manifest import Course, Exercise
from rnncourse.errors import CourseError
from rnncourse.grading.gradebook import Gradebook
from rnncourse.results import CheckResult
from rnncourse.sandbox.calls import Call, StudentCode, StudentError
from rnncourse.sandbox.process import StudentProcess
from rnncourse.sandbox.protocol import Handle

MAX_CALLS = 200  # calls kept for the report (a numeric gradient makes many)


@dataclass
class Exchange:
    """One call the check made into the student's code."""

    function: str
    inputs: tuple
    actual: object  # what the student's code returned, or the StudentError's message
    expected: object  # what the reference returns on the same inputs, or why there is none
    failed: bool = False  # the student's code raised, crashed or ran out of time


@dataclass
class Replay:
    student_id: str
    check_id: str
    recorded: CheckResult
    replayed: CheckResult
    graded_at: str
    calls: list[Exchange] = field(default_factory=list)
    omitted: int = 0  # calls past MAX_CALLS (a numeric gradient makes many), not listed

    @property
    def same(self) -> bool:
        return (self.recorded.passed, self.recorded.points, self.recorded.seed) == (
            self.replayed.passed, self.replayed.points, self.replayed.seed)


class Recording:
    """A StudentCode that passes every call on and keeps it, with what the
    reference returns on the same inputs (the student's caches stand for the
    reference's own, from the same earlier call)."""

    def __init__(self, code: StudentCode, solution: object) -> None:
        self.code = code
        self.path: Path = code.path
        self.report: dict = code.report
        self.timed_out: dict[str, float] = code.timed_out  # the same dict, shared
        self.solution = solution
        self.calls: list[Exchange] = []
        self.omitted = 0
        self._theirs: dict[tuple[int, int], object] = {}  # student handle: reference object

    def start(self, timeout: float) -> None:
        self.code.start(timeout)

    def stop(self) -> None:
        self.code.stop()

    def reset(self) -> None:
        self.code.reset()

    def call(self, function: str, args: tuple, keep: tuple = (), timeout: float = 3.0,
             watch: bool = False) -> Call:
        try:
            result = self.code.call(function, args, keep, timeout, watch)
        except StudentError as error:
            self._keep(function, args, str(error), True, keep, None)
            raise
        self._keep(function, args, result.value, False, keep, result.value)
        return result

    def call_batch(self, calls: list[tuple[str, tuple, tuple]],
                   timeout: float = 3.0) -> list[Call | StudentError]:
        results = self.code.call_batch(calls, timeout)
        for (function, args, keep), result in zip(calls, results):
            if isinstance(result, StudentError):
                self._keep(function, args, str(result), True, keep, None)
            else:
                self._keep(function, args, result.value, False, keep, result.value)
        return results

    def _keep(self, function: str, args: tuple, actual: object, failed: bool, keep: tuple,
              value: object) -> None:
        if len(self.calls) >= MAX_CALLS:
            self.omitted += 1
            if keep:  # its cache may be handed to a later call that is listed
                self._expected(function, args, keep, value)
            return
        expected = self._expected(function, args, keep, value)
        self.calls.append(Exchange(function, args, actual, expected, failed))

    def _expected(self, function: str, args: tuple, keep: tuple, value: object) -> object:
        implementation = getattr(self.solution, function, None)
        if not callable(implementation):
            return "(the reference has no such function)"
        try:
            theirs = tuple(self._as_reference(arg) for arg in args)
        except KeyError:
            return "(not comparable: the input holds a cache the reference never made)"
        try:
            output = implementation(*copy.deepcopy(theirs))
        except Exception as error:  # noqa: BLE001 - what the reference does is the answer
            return f"raises {type(error).__name__}: {error}"
        if isinstance(output, tuple) and isinstance(value, tuple):
            for index in keep:
                if index < len(output) and index < len(value) and isinstance(value[index],
                                                                            Handle):
                    handle = value[index]
                    self._theirs[(handle.generation, handle.id)] = output[index]
            output = tuple("(its cache)" if index in keep else item
                           for index, item in enumerate(output))
        return output

    def _as_reference(self, value: object) -> object:
        if isinstance(value, Handle):
            return self._theirs[(value.generation, value.id)]
        if isinstance(value, tuple):
            return tuple(self._as_reference(item) for item in value)
        if isinstance(value, list):
            return [self._as_reference(item) for item in value]
        if isinstance(value, dict):
            return {key: self._as_reference(item) for key, item in value.items()}
        return value


def find_check(course: Course, result: dict, check_id: str) -> tuple[Exercise, CheckResult]:
    for exercise in result.get("exercises", []):
        for check in exercise.get("checks", []):
            if check.get("id") == check_id:
                return course.exercise(exercise["id"]), CheckResult.from_dict(check)
    known = sorted(check.get("id", "") for exercise in result.get("exercises", [])
                   for check in exercise.get("checks", []))
    raise CourseError(f"no check '{check_id}' in this student's grading; its checks: "
                      f"{', '.join(known[:12])}" + (" …" if len(known) > 12 else ""))


def replay(course: Course, out: Path, student_id: str, check_id: str) -> Replay:
    """Run ``check_id`` again for ``student_id`` of the gradebook in ``out``."""
    if not (Path(out) / "gradebook.sqlite").is_file():
        raise CourseError(f"--out '{out}': no gradebook there (rnncourse grade writes one)")
    with Gradebook.open(Path(out)) as gradebook:
        grading = gradebook.current().get(student_id)
        if grading is None or grading.result is None:
            raise CourseError(f"'{student_id}' has no graded result in {out}")
        exercise, recorded = find_check(course, grading.result, check_id)
        files = gradebook.files(grading.content_hash)
    if files is None:
        raise CourseError(f"the files of '{student_id}' were not kept in {out} (graded by an "
                          "older rnncourse): run `rnncourse grade --force` first")
    secret = seeds.read(course)
    key = seeds.student_key(secret, student_id) if secret is not None else None
    spec = next(spec for spec in engine.collect(exercise) if spec.id == check_id)
    solution = reference(course, exercise)
    folder = Path(tempfile.mkdtemp(prefix="rnncourse-replay-"))
    try:
        for name, data in files:
            target = (folder / name).resolve()
            if folder.resolve() not in target.parents:
                raise CourseError(f"the stored files of '{student_id}' hold a bad path")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        path = folder / exercise.file
        if not path.is_file():
            raise CourseError(f"'{student_id}' handed in no {exercise.file}")
        process = StudentProcess(path, course.policy.memory_mb, folder, "strict",
                                 (course.root,))
        recording = Recording(process, solution)
        with process:
            replayed = engine.check_specs(course, exercise, [spec], recording, solution,
                                          seed_key=key)[0]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return Replay(student_id, check_id, recorded, replayed, grading.graded_at, recording.calls,
                  recording.omitted)
