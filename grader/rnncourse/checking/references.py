"""Where the checks' trusted answers come from: the reference and the known mistakes.

Check code asks the reference only through its ``reference`` fixture, which
the engine takes from here (``reference``), and diagnosis asks for the known
mistakes only through ``known_mistakes``, which asks here (``mistakes``).
Which source answers depends on the edition:

- the instructor's full course (``Live``): the solution module from solutions/
  and the variants of rnncourse.mistakes;
- a student edition (checking/recorded.py): stand-ins that look up what the
  reference and the variants returned on the public checks' inputs, recorded
  when the edition was released;
- while a release records those answers, the recorder (release/recording.py),
  installed with ``using``.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from rnncourse import edition
from rnncourse.course.loader import reference_module
from rnncourse.course.manifest import Course, Exercise


class Source(Protocol):
    def reference(self, course: Course, exercise: Exercise) -> object:
        """The ``reference`` fixture of ``exercise``'s checks."""
        ...

    def mistakes(self, exercise_id: str, reference: object) -> dict | None:
        """{function: [(misconception, variant), ...]}, or None for the live ones."""
        ...

    def sibling(self, reference: Any, file: str) -> Any:
        """The reference of another exercise file, for a check that builds on it."""
        ...


class Live:
    """The instructor's course: the solutions themselves."""

    def reference(self, course: Course, exercise: Exercise) -> object:
        return reference_module(course.solutions_dir, exercise.file)

    def mistakes(self, exercise_id: str, reference: object) -> dict | None:
        return None

    def sibling(self, reference: Any, file: str) -> Any:
        return reference_module(Path(reference.__file__).parent, file)


_installed: list[Source] = []
_edition_source: Source | None = None
_lock = threading.Lock()


def active() -> Source:
    """The source in use: one installed by ``using``, else the edition's."""
    global _edition_source
    if _installed:
        return _installed[-1]
    with _lock:
        if _edition_source is None:
            if edition.student_edition() is None:
                _edition_source = Live()
            else:
                from rnncourse.checking.recorded import RecordedSource

                _edition_source = RecordedSource(edition.DATA / edition.RECORDS)
        return _edition_source


@contextlib.contextmanager
def using(source: Source) -> Iterator[Source]:
    """Answer from ``source`` inside the block (the release's recorder and self-test)."""
    _installed.append(source)
    try:
        yield source
    finally:
        _installed.remove(source)


def reference(course: Course, exercise: Exercise) -> object:
    return active().reference(course, exercise)


def mistakes(exercise_id: str, reference: object) -> dict | None:
    return active().mistakes(exercise_id, reference)


def sibling(reference: Any, file: str) -> Any:
    """The reference of the exercise in ``file`` (e.g. "lstm.py"), as a check that
    extends that exercise needs it: from the same source as ``reference``."""
    return active().sibling(reference, file)
