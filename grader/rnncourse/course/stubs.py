"""Derive the student stubs in exercises/ from solutions/.

Between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` (nbgrader's markers) a
solution file holds the code a student has to write. In the stub, a region
inside a function becomes ``raise NotImplementedError``; a region at module
level disappears. Everything else — docstrings, the TODO comment above the
region, imports, given helpers — is copied as it is.
"""

from __future__ import annotations

import ast
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from rnncourse.course.manifest import Course
from rnncourse.errors import CourseError

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
_HEADER = ("# rnncourse exercise (stub {digest}{release}): fill in each TODO, "
           "then run `rnncourse check`.\n")
# A student edition's stubs also name their release (course/stamp.py): grading reads it back.
_HEADER_PATTERN = re.compile(
    r"^# rnncourse exercise \(stub ([0-9a-f]{12})(?:, release ([^)\s]+))?\)")
_DEF = re.compile(r"^(\s*)def\s+([A-Za-z_]\w*)\s*\(")


def strip_solutions(source: str, filename: str, release: str | None = None) -> str:
    """The stub for one solution file's text; ``release``, a stamp, goes in its header."""
    lines = source.splitlines(keepends=True)
    out: list[str] = []
    region_start: int | None = None
    for number, line in enumerate(lines, start=1):
        marker = line.strip()
        if marker == BEGIN:
            if region_start is not None:
                raise CourseError(f"{filename}:{number}: {BEGIN} inside another solution region")
            region_start = number
            indent = line[: len(line) - len(line.lstrip())]
            function = _enclosing_function(lines[: number - 1], len(indent))
            if function:
                out.append(f'{indent}raise NotImplementedError("TODO: implement {function}")\n')
        elif marker == END:
            if region_start is None:
                raise CourseError(f"{filename}:{number}: {END} without {BEGIN}")
            region_start = None
        elif region_start is None:
            out.append(line)
    if region_start is not None:
        raise CourseError(f"{filename}:{region_start}: {BEGIN} is never closed")
    stub = _drop_double_blank_lines("".join(out))
    try:
        ast.parse(stub, filename=filename)
    except SyntaxError as error:
        raise CourseError(f"{filename}: the stub would not compile (line {error.lineno}: "
                          f"{error.msg})") from None
    return _HEADER.format(digest=_digest(stub),
                          release=f", release {release}" if release else "") + stub


def _enclosing_function(previous: list[str], indent: int) -> str | None:
    for line in reversed(previous):
        match = _DEF.match(line)
        if match and len(match.group(1)) < indent:
            return match.group(2)
    return None


def _drop_double_blank_lines(text: str) -> str:
    return re.sub(r"\n{4,}", "\n\n\n", text)


def _digest(stub: str) -> str:
    return hashlib.sha256(stub.encode()).hexdigest()[:12]


def release_of(text: str) -> str | None:
    """The release stamp in the header of an exercise file, if it has one."""
    match = _HEADER_PATTERN.match(text.partition("\n")[0])
    return match.group(2) if match else None


def stub_of(text: str) -> str | None:
    """The digest of the stub an exercise file started from (its header's), if any."""
    match = _HEADER_PATTERN.match(text.partition("\n")[0])
    return match.group(1) if match else None


def is_untouched_stub(text: str) -> bool:
    """True if ``text`` is a stub exactly as build wrote it (no student work in it)."""
    header, _, body = text.partition("\n")
    match = _HEADER_PATTERN.match(header)
    return bool(match) and match.group(1) == _digest(body)


@dataclass
class Planned:
    path: Path
    text: str
    state: str  # "same", "new", "changed", "edited" (changed, and holds someone's work)


def plan(course: Course) -> list[Planned]:
    """What build would write, file by file, and how that compares with exercises/."""
    planned = []
    for exercise in course.exercises:
        source_path = course.solutions_dir / exercise.file
        try:
            source = source_path.read_text(encoding="utf-8")
        except OSError as error:
            raise CourseError(f"{source_path}: cannot read ({error.strerror})") from None
        text = strip_solutions(source, f"solutions/{exercise.file}")
        target = course.exercises_dir / exercise.file
        if not target.exists():
            state = "new"
        else:
            current = target.read_text(encoding="utf-8")
            if current == text:
                state = "same"
            else:
                state = "changed" if is_untouched_stub(current) else "edited"
        planned.append(Planned(target, text, state))
    return planned


def write(planned: list[Planned], force: bool = False) -> list[Planned]:
    """Write the stubs that differ; refuse to overwrite edited ones unless forced."""
    edited = [item for item in planned if item.state == "edited"]
    if edited and not force:
        names = ", ".join(item.path.name for item in edited)
        raise CourseError(f"exercises/{edited[0].path.name} has been edited since it was built "
                          f"({names}); rerun with --force to overwrite that work")
    written = []
    for item in planned:
        if item.state == "same":
            continue
        item.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = item.path.with_name(f".{item.path.name}.tmp")
        temporary.write_text(item.text, encoding="utf-8")
        os.replace(temporary, item.path)
        written.append(item)
    return written
