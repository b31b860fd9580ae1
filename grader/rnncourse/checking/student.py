"""The check's view of the student's file: calls into the student process that
share the check's time budget and collect what the student printed."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from rnncourse.sandbox.calls import Call, StudentCode, StudentError


@dataclass
class Student:
    """A check's view of the student's file: calls run in the student's process
    and share the check's time budget."""

    process: StudentCode
    exercise: str
    budget: float
    printed: list[str] = field(default_factory=list)

    @property
    def file(self) -> str:
        return self.process.path.name

    def run(self, function: str, *args: object, keep: Sequence[int] = (),
            watch: bool = False) -> Call:
        """Call ``function`` in the student's process. With ``watch`` the result
        also lists arguments changed in place and warnings raised."""
        started = time.perf_counter()
        try:
            result = self.process.call(function, args, tuple(keep), timeout=self._remaining(),
                                       watch=watch)
        except StudentError as error:
            self._record(error.output)
            raise
        finally:
            self.budget -= time.perf_counter() - started
        self._record(result.output)
        return result

    def call(self, function: str, *args: object, keep: Sequence[int] = ()) -> object:
        return self.run(function, *args, keep=keep).value

    def run_batch(self, calls: list[tuple[str, tuple, tuple]]) -> list[Call | StudentError]:
        """Independent calls (function, args, keep) in one round trip; each result
        is a Call or the StudentError that call raised."""
        started = time.perf_counter()
        try:
            results = self.process.call_batch(calls, timeout=self._remaining())
        except StudentError as error:
            self._record(error.output)
            raise
        finally:
            self.budget -= time.perf_counter() - started
        for result in results:
            self._record(result.output)
        return results

    def _remaining(self) -> float:
        if self.budget <= 0:
            raise StudentError("ran out of time for this check", "timeout")
        return self.budget

    def _record(self, output: str) -> None:
        if output:
            self.printed.append(output)
