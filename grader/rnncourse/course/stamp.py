"""The release stamp: which version of the course, and which content exactly.

A stamp reads ``<course version>+<content hash>``, e.g. ``0.1.0+3f2a9c1b7d4e``.
The hash covers everything a student edition is written from — the manifest,
the solutions, the notes, the quiz bank, the student guide and the package's
source — so the same course always gives the same stamp, and any change to
what students receive gives another. `rnncourse release` writes it into the
edition and into the header of every stub; `rnncourse grade` reads it back
from the files students hand in.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from rnncourse.course.manifest import Course

PACKAGE = Path(__file__).resolve().parents[1]
HASH_LENGTH = 12
PATTERN = re.compile(r"^(?P<version>[0-9A-Za-z][0-9A-Za-z.-]*)\+(?P<hash>[0-9a-f]{12})$")
STUDENT_GUIDE = Path("docs") / "student-guide.md"


def content_hash(course: Course) -> str:
    """A hash of every file the student edition is written from."""
    files = [course.manifest]
    files += [course.solutions_dir / exercise.file for exercise in course.exercises]
    if course.notes_dir.is_dir():
        files += sorted(path for path in course.notes_dir.rglob("*") if path.is_file())
    if course.quiz is not None:
        files.append(course.quiz_bank)
    files.append(course.root / STUDENT_GUIDE)
    digest = hashlib.sha256()
    for path in files:
        _add(digest, path.relative_to(course.root).as_posix(), path)
    for path in sorted(PACKAGE.rglob("*.py")):
        if "__pycache__" not in path.parts:
            _add(digest, "package/" + path.relative_to(PACKAGE).as_posix(), path)
    return digest.hexdigest()[:HASH_LENGTH]


def course_stamp(course: Course) -> str:
    return f"{course.version}+{content_hash(course)}"


def _add(digest, name: str, path: Path) -> None:
    try:
        data = path.read_bytes()
    except OSError:
        data = b"\0(missing)"
    digest.update(f"{name}\0{len(data)}\0".encode())
    digest.update(data)


def is_stamp(text: str) -> bool:
    return bool(PATTERN.match(text))


def version_of(stamp: str) -> tuple[int, ...]:
    """The version part of a stamp as numbers, for comparing releases: 0.10.0 > 0.9.1."""
    match = PATTERN.match(stamp)
    if match is None:
        return ()
    return tuple(int(part) if part.isdigit() else 0
                 for part in re.split(r"[.-]", match.group("version")))
