"""The student edition's stand-ins for the reference and the known mistakes.

They answer from the records written at release time (checking/records.py):
calling ``reference.lstm_step_forward(x, h, c, Wx, Wh, b)`` looks up what the
solution returned for exactly these arguments. A call that was never recorded
raises NotRecorded, which the engine reports as an internal error of that one
check; `rnncourse release` runs every public check on many students through
these stand-ins before it writes an edition, and fails, naming the check, if
one of them asks for something that was not recorded.
"""

from __future__ import annotations

from pathlib import Path

from rnncourse.checking.records import (
    NotRecorded,
    Records,
    call_arguments,
    mistake_name,
)
from rnncourse.course.manifest import Course, Exercise


class RecordedFunction:
    """One function of a recorded reference, or one recorded mistake."""

    def __init__(self, records: Records, exercise: str, name: str) -> None:
        self._records = records
        self._exercise = exercise
        self.__name__ = name

    def __call__(self, *args: object, **kwargs: object) -> object:
        records = self._records.exercise(self._exercise)  # read on the first call
        if records is None:
            raise NotRecorded(f"the student edition holds no recorded results for exercise "
                              f"'{self._exercise}'; please tell your instructor")
        entry = records.lookup(self.__name__, call_arguments(args, kwargs))
        return records.value(entry)


class RecordedReference:
    """Looks like the solution module to check code: its functions, answering
    from the records."""

    def __init__(self, records: Records, exercise: str,
                 functions: tuple[str, ...] | list[str]) -> None:
        self._records = records
        self._exercise = exercise
        self._functions = set(functions)

    def __getattr__(self, name: str) -> RecordedFunction:
        if name.startswith("_") or name not in self._functions:
            raise AttributeError(f"the recorded reference of '{self._exercise}' has no "
                                 f"function {name!r}")
        return RecordedFunction(self._records, self._exercise, name)

    def __repr__(self) -> str:
        return f"<recorded reference of {self._exercise}>"


class RecordedSource:
    """A student edition's source of trusted answers (see checking/references.py)."""

    def __init__(self, path: Path) -> None:
        self.records = Records(path)

    def reference(self, course: Course, exercise: Exercise) -> object:
        return RecordedReference(self.records, exercise.id, exercise.functions)

    def mistakes(self, exercise_id: str, reference: object) -> dict | None:
        records = self.records.exercise(exercise_id)
        if records is None:
            return {}
        if records.meta.get("needs_reference") and reference is None:
            return {}  # as the live variants: built on a reference, none without one
        return {function: [(misconception, RecordedFunction(
                    self.records, exercise_id, mistake_name(function, index)))
                           for index, misconception in enumerate(misconceptions)]
                for function, misconceptions in records.meta.get("mistakes", {}).items()}

    def sibling(self, reference: object, file: str) -> object:
        exercise_id = Path(file).stem  # exercise ids are the files' stems
        records = self.records.exercise(exercise_id)
        functions = records.meta.get("functions", ()) if records is not None else ()
        return RecordedReference(self.records, exercise_id, functions)


__all__ = ["NotRecorded", "RecordedReference", "RecordedSource"]
