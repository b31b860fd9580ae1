"""A student's hand-in, `rnncourse submit`: a zip of exactly what `rnncourse
grade` reads.

That is each exercise file of the course (from exercises/, at the zip's top,
under its own name), the quiz answers file if there is one
(``quiz_answers.toml`` or ``.json``), and a manifest, ``submission.json``: the
course and its version, the release stamp, and per file its SHA-256, the stub it
started from (the digest in its first line) and whether it is still that stub
untouched. Nothing else: no notes, no caches, no other files of the folder.

Untouched stubs are packed as they are (they score 0, exactly as in the folder)
but listed, in the manifest and by the command, so that nobody hands in an
unstarted file without being told. Before the zip is put in place it is read
back the way grading reads a submission (submissions.members and
matching.match): every packed file must come out under its own name.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import rnncourse
from rnncourse import atomic
from rnncourse.course.manifest import Course
from rnncourse.course.stubs import is_untouched_stub, stub_of
from rnncourse.errors import CourseError
from rnncourse.grading import matching, quizzes, submissions
from rnncourse.quiz import grading as quiz

MANIFEST = matching.MANIFEST
FORMAT = 1


@dataclass(frozen=True)
class Item:
    name: str  # as packed (and as grading reads it)
    source: Path
    data: bytes
    exercise: str | None = None  # the exercise id, for exercise files
    optional: bool = False
    untouched: bool = False  # the stub exactly as built: no work in it

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class HandIn:
    items: list[Item] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # exercise files not in exercises/
    manifest: dict = field(default_factory=dict)

    @property
    def untouched(self) -> list[Item]:
        return [item for item in self.items if item.untouched]

    @property
    def answers(self) -> Item | None:
        return next((item for item in self.items if item.exercise is None), None)


def answers_file(course: Course, given: Path | None, places: list[Path]) -> Path | None:
    """The quiz answers to pack: ``given``, else the first of quiz_answers.toml and
    quiz_answers.json found in ``places`` (the working folder, the course folder)."""
    if given is not None:
        return given
    for place in places:
        for name in quizzes.ANSWER_FILES:
            if (place / name).is_file():
                return place / name
    return None


def collect(course: Course, answers: Path | None, stamp: str) -> HandIn:
    """What the zip will hold. Raises CourseError for an answers file that grading
    could not read, or one that is not .toml or .json."""
    hand_in = HandIn()
    for exercise in course.exercises:
        path = course.exercises_dir / exercise.file
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            hand_in.missing.append(exercise.file)
            continue
        except OSError as error:
            raise CourseError(f"{path}: cannot read ({error.strerror or error})") from None
        text = data.decode("utf-8", "replace")
        hand_in.items.append(Item(exercise.file, path, data, exercise.id, exercise.optional,
                                  is_untouched_stub(text)))
    if answers is not None:
        suffix = answers.suffix.lower()
        if suffix not in (".toml", ".json"):
            raise CourseError(f"{answers}: quiz answers must be a .toml or .json file")
        quiz.read_answers(answers)  # one line naming the problem if grading could not read it
        hand_in.items.append(Item(f"quiz_answers{suffix}", answers, answers.read_bytes()))
    hand_in.manifest = _manifest(course, hand_in, stamp)
    return hand_in


def _manifest(course: Course, hand_in: HandIn, stamp: str) -> dict:
    files = {}
    for item in hand_in.items:
        entry: dict = {"sha256": item.sha256, "bytes": len(item.data)}
        if item.exercise is not None:
            entry.update(exercise=item.exercise, optional=item.optional,
                         stub=stub_of(item.data[:300].decode("utf-8", "replace")),
                         untouched=item.untouched)
        files[item.name] = entry
    return {
        "format": FORMAT,
        "written_by": f"rnncourse submit {rnncourse.__version__}",
        "written_at": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "course": {"name": course.name, "version": course.version, "release": stamp},
        "files": files,
        "untouched": [item.name for item in hand_in.untouched],
        "missing": list(hand_in.missing),
    }


def is_hand_in(path: Path) -> bool:
    """Whether ``path`` is a zip written by `rnncourse submit` (may be replaced)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return MANIFEST in archive.namelist()
    except (OSError, zipfile.BadZipFile):
        return False


def write(course: Course, hand_in: HandIn, out: Path) -> None:
    """Write the zip to ``out`` whole or not at all, after reading it back as
    grading does. Raises CourseError when it would not grade as packed."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in hand_in.items:
            archive.writestr(item.name, item.data)
        archive.writestr(MANIFEST, json.dumps(hand_in.manifest, indent=2) + "\n")
    data = buffer.getvalue()
    _verify(course, hand_in, data)

    def save(temporary: Path) -> None:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())

    Path(out).parent.mkdir(parents=True, exist_ok=True)
    atomic.replace_with(Path(out), save)


def _verify(course: Course, hand_in: HandIn, data: bytes) -> None:
    """The zip, read as `rnncourse grade` reads a submission, holds every packed
    file under its own name and nothing grading would take for another."""
    with tempfile.TemporaryDirectory(prefix="rnncourse-submit-") as folder:
        path = Path(folder) / "submission.zip"
        path.write_bytes(data)
        found = submissions.members(path)
    layout = matching.match((name for name, _ in found), submissions.expected(course))
    packed = {name: data for name, data in submissions.graded_files(found, layout)}
    wanted = {item.name: item.data for item in hand_in.items}
    wanted[MANIFEST] = packed.get(MANIFEST, b"")
    if packed != wanted or layout.notes:
        raise CourseError("the zip would not grade as packed "
                          f"({'; '.join(layout.notes) or 'its files differ'}); nothing was "
                          "written")
