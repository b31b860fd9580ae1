"""Student submissions for `rnncourse grade`: find them, vet them, copy them.

SUBMISSIONS holds one entry per student: a folder, or a .zip file, whose name
(without .zip) is the student id. Nothing here runs student code: it reads
names and bytes, refuses anything that could reach outside the student's own
folder (absolute or ``..`` paths, symbolic links, device files), and caps how
much it reads (files, entries of any kind, bytes: a zip's central directory
is checked before anything is extracted), so a zip bomb costs at most
``MAX_BYTES``. Every name it reports is made safe (rnncourse.untrusted).

Which of a submission's files grading reads, and under which name, is
matching.py's: a submission is read as matching.match lays it out (the
exercise files in a wrapping or ``exercises/`` folder, a copy-suffixed name),
the student's copy holds exactly those files, and the content hash covers
every file and that layout.

Student ids are checked, never rewritten: a folder called ``Jane Doe`` is
reported as not a valid id rather than silently graded as ``Jane_Doe``, which
could merge two students or file a grade under a name nobody recognises.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from rnncourse import untrusted
from rnncourse.course.manifest import Course
from rnncourse.errors import CourseError
from rnncourse.grading import matching, quizzes
from rnncourse.grading.matching import Expected, Layout
from rnncourse.results import valid_student_id

MAX_FILES = 200
MAX_ENTRIES = 1000  # files and folders (a zip of 400k empty folders is no submission)
MAX_BYTES = 20 * 1024 * 1024
_ZIP_TAIL = 22 + 65535  # the end of central directory record and its longest comment
# Faults of the machine, not of the submission: writing the student's copy
# failed because the grader's disk is full, read-only or failing.
_DISK_FAULTS = {errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EROFS, errno.EMFILE,
                errno.ENFILE, errno.ENOMEM}
ID_RULE = ("letters, digits and . _ - @ +, starting with a letter or digit, "
           "at most 64 characters")
_JUNK = {"__pycache__", "__MACOSX"}
# What file managers, git and Jupyter leave in SUBMISSIONS: skipped without a word.
# Any other hidden entry (".bob/") is listed as ignored, never silently dropped.
_SYSTEM = {".DS_Store", ".git", ".ipynb_checkpoints", ".Trash", "Thumbs.db", "desktop.ini",
           "__MACOSX", "__pycache__"}


class SubmissionError(Exception):
    """This student's submission cannot be graded (the rest of the class can)."""


class CopyError(Exception):
    """The student's copy could not be written for a fault of the grader's
    machine (a full disk, say): not the student's, so graded again later."""


@dataclass(frozen=True)
class Submission:
    student_id: str
    entries: tuple[Path, ...]
    content_hash: str
    problem: str | None = None  # why it cannot be graded, found while scanning
    layout: Layout | None = None  # how its files are read (None when it cannot be)

    @property
    def path(self) -> Path:
        return self.entries[0]

    @property
    def label(self) -> str:
        return " and ".join(_label(entry) for entry in self.entries)


@dataclass(frozen=True)
class Scan:
    submissions: list[Submission]
    ignored: list[str]  # top-level entries that are not submissions (hidden, or not a zip)


def expected(course: Course) -> Expected:
    """What grading reads from a submission of ``course``."""
    return Expected(tuple(exercise.file for exercise in course.exercises),
                    quizzes.ANSWER_FILES)


def scan(folder: Path, wanted: Expected) -> Scan:
    """The submissions in ``folder``, in student-id order, each laid out for
    ``wanted``. Raises CourseError when the folder itself is unusable (missing,
    unreadable, empty)."""
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except FileNotFoundError:
        raise CourseError(f"SUBMISSIONS folder '{folder}' does not exist") from None
    except NotADirectoryError:
        raise CourseError(f"SUBMISSIONS '{folder}' is not a folder") from None
    except OSError as error:
        raise CourseError(f"SUBMISSIONS folder '{folder}' cannot be read "
                          f"({error.strerror or error})") from None
    groups: dict[str, list[tuple[str, Path]]] = {}
    ignored = []
    for entry in entries:
        name = entry.name
        if name in _SYSTEM:
            continue
        if name.startswith("."):
            ignored.append(_printable(name))
            continue
        if entry.is_symlink() and (entry.is_dir() or _is_zip_name(name)):
            student_id = name[:-4] if _is_zip_name(name) else name  # refused in _vet
        elif entry.is_dir(follow_symlinks=False):
            student_id = name
        elif entry.is_file(follow_symlinks=False) and _is_zip_name(name):
            student_id = name[:-4]
        else:
            ignored.append(_printable(name))
            continue
        student_id = _printable(unicodedata.normalize("NFC", student_id))
        groups.setdefault(student_id.casefold(), []).append((student_id, Path(entry.path)))
    if not groups:
        raise CourseError(f"SUBMISSIONS folder '{folder}' holds no student folders or .zip files")
    submissions = [_vet(items, wanted) for items in groups.values()]
    submissions.sort(key=lambda submission: (submission.student_id.casefold(),
                                             submission.student_id))
    return Scan(submissions, ignored)


def _vet(items: list[tuple[str, Path]], wanted: Expected) -> Submission:
    student_id = items[0][0]
    entries = tuple(path for _, path in items)
    problem = None
    if len(items) > 1:
        problem = (f"{' and '.join(_label(path) for path in entries)} are the same student; "
                   "keep only one of them")
    elif not valid_student_id(student_id):
        problem = (f"'{student_id}' is not a valid student id ({ID_RULE}); it was not "
                   "graded: rename it (ids are never rewritten)")
    elif entries[0].is_symlink():
        problem = f"{_label(entries[0])} is a symbolic link; put the files themselves there"
    layout = None
    if problem is None:
        try:
            found = members(entries[0])
        except SubmissionError as error:
            problem = str(error)
        else:
            layout = matching.match((name for name, _ in found), wanted)
            digest = _digest(found, layout)
    if problem is not None:
        digest = problem_hash(problem)
    return Submission(student_id, entries, digest, problem, layout)


def problem_hash(problem: str) -> str:
    """The content hash recorded for a submission that cannot be read: it changes
    when the problem does, so a fixed submission is graded on the next run."""
    return hashlib.sha256(f"invalid\0{problem}".encode("utf-8", "replace")).hexdigest()


def members(path: Path) -> list[tuple[str, bytes]]:
    """The files of a submission as (relative path, bytes), sorted by path.

    Hidden files, ``__pycache__`` and ``__MACOSX`` are left out; a zip whose
    files all sit in one top folder is read as if they were at its root.
    Raises SubmissionError past MAX_FILES files, MAX_ENTRIES entries or
    MAX_BYTES bytes.
    """
    if _is_zip_name(path.name) and not path.is_dir():
        found = _zip_members(path)
    else:
        found = _folder_members(path)
    return sorted(found)


def graded_files(found: list[tuple[str, bytes]], layout: Layout) -> list[tuple[str, bytes]]:
    """The files of a submission (members) that grading reads, by the names it
    reads them under (``layout``): the exercise files and quiz answers it took,
    and the other files of their folder (helpers they may import)."""
    graded = []
    for name, data in found:
        target = layout.graded_name(name)
        if target is not None:
            graded.append((target, data))
    return sorted(graded)


def materialize(path: Path, destination: Path, wanted: Expected) -> str:
    """Write the files of the submission at ``path`` that grading reads (laid out
    for ``wanted``) into the empty folder ``destination``; return the content
    hash of the submission."""
    found = members(path)
    layout = matching.match((name for name, _ in found), wanted)
    root = destination.resolve()
    for name, data in graded_files(found, layout):
        target = (root / name).resolve()
        if root not in target.parents:
            raise SubmissionError(f"{_label(path)}: the path {name!r} leaves its folder")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "xb") as file:
                file.write(data)
        except OSError as error:
            if error.errno in _DISK_FAULTS:
                raise CopyError(f"the copy of {_label(path)} could not be written to the "
                                f"grader's scratch folder ({error.strerror or error})") from None
            raise SubmissionError(f"{_label(path)}: {name!r} cannot be written "
                                  f"({error.strerror or error})") from None
    return _digest(found, layout)


def content_hash(path: Path, wanted: Expected) -> str:
    found = members(path)
    return _digest(found, matching.match((name for name, _ in found), wanted))


def layout_of(path: Path, wanted: Expected) -> tuple[list[tuple[str, bytes]], Layout]:
    """The members of the submission at ``path`` and how grading reads them."""
    found = members(path)
    return found, matching.match((name for name, _ in found), wanted)


def _digest(found: list[tuple[str, bytes]], layout: Layout) -> str:
    """A hash of every file name and every byte, independent of folder or zip,
    and of the names grading reads them under: a change of either grades again."""
    digest = hashlib.sha256()
    for name, data in found:
        encoded = name.encode("utf-8", "surrogateescape")
        digest.update(len(encoded).to_bytes(8, "little") + encoded)
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    taken = sorted((item.target, item.source) for item in layout.taken)
    digest.update(f"\0layout\0{layout.root}\0{taken!r}".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


class _Budget:
    def __init__(self, label: str) -> None:
        self.label = label
        self.files = 0
        self.entries = 0
        self.bytes = 0

    def take_file(self) -> None:
        self.files += 1
        if self.files > MAX_FILES:
            raise SubmissionError(f"{self.label} holds more than {MAX_FILES} files")

    def take_entries(self, count: int) -> None:
        """Files and folders, junk included: each costs a look."""
        self.entries += count
        self.refuse_entries(self.entries)

    def refuse_entries(self, count: int) -> None:
        if count > MAX_ENTRIES:
            raise SubmissionError(f"{self.label} holds more than {MAX_ENTRIES} files and "
                                  "folders")

    @property
    def left(self) -> int:
        return MAX_BYTES - self.bytes

    def take_bytes(self, size: int) -> None:
        self.bytes += size
        self.refuse_bytes(self.bytes)

    def refuse_bytes(self, size: int) -> None:
        if size > MAX_BYTES:
            raise SubmissionError(f"{self.label} is larger than {MAX_BYTES // (1024 * 1024)} MB")


def _folder_members(root: Path) -> list[tuple[str, bytes]]:
    budget = _Budget(_label(root))
    found = []
    pending = [(root, "")]
    while pending:
        directory, prefix = pending.pop()
        try:
            with os.scandir(directory) as listing:
                entries = list(listing)
        except OSError as error:
            raise SubmissionError(f"{budget.label}{prefix} cannot be read "
                                  f"({error.strerror or error})") from None
        budget.take_entries(len(entries))
        for entry in entries:
            if _is_junk(entry.name):
                continue
            name = prefix + entry.name
            if entry.is_symlink():
                raise SubmissionError(f"{budget.label}: {name!r} is a symbolic link; "
                                      "submit plain files")
            if entry.is_dir(follow_symlinks=False):
                pending.append((Path(entry.path), name + "/"))
                continue
            if not entry.is_file(follow_symlinks=False):
                raise SubmissionError(f"{budget.label}: {name!r} is not a regular file")
            budget.take_file()
            found.append((name, _read_file(Path(entry.path), name, budget)))
    return found


def _read_file(path: Path, name: str, budget: _Budget) -> bytes:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as error:
        raise SubmissionError(f"{budget.label}: {name!r} cannot be read "
                              f"({error.strerror or error})") from None
    with os.fdopen(fd, "rb") as file:
        if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
            raise SubmissionError(f"{budget.label}: {name!r} is not a regular file")
        data = file.read(budget.left + 1)
    budget.take_bytes(len(data))
    return data


def _zip_members(path: Path) -> list[tuple[str, bytes]]:
    label = _label(path)
    budget = _Budget(label)
    try:
        _check_zip_size(path, budget)
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            budget.take_entries(len(entries))
            files = [info for info in entries if _zip_entry_kept(info, label)]
            budget.refuse_bytes(sum(info.file_size for info in files))  # as announced
            names = _strip_common_folder([_zip_parts(info.filename, label) for info in files])
            found = []
            seen = set()
            for info, name in zip(files, names):
                if name in seen:
                    raise SubmissionError(f"{label} holds {name!r} twice")
                seen.add(name)
                budget.take_file()
                with archive.open(info) as member:
                    data = member.read(budget.left + 1)
                budget.take_bytes(len(data))
                found.append((name, data))
            return found
    except SubmissionError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, ValueError,
            NotImplementedError) as error:
        detail = str(error) or type(error).__name__
        raise SubmissionError(f"{label} is not a readable zip file ({detail})") from None


def _check_zip_size(path: Path, budget: _Budget) -> None:
    """Refuse, before Python's zipfile reads the central directory, a zip file
    larger than MAX_BYTES (no larger than the files it may hold) or whose end
    record announces more than MAX_ENTRIES entries (0xFFFF: see zip64's own
    record; the central directory is counted once read)."""
    with open(path, "rb") as file:
        size = os.fstat(file.fileno()).st_size
        budget.refuse_bytes(size)
        file.seek(max(0, size - _ZIP_TAIL))
        tail = file.read()
    end = tail.rfind(b"PK\x05\x06")
    if end < 0 or len(tail) - end < 22:
        return  # not a zip: zipfile says so in its own words
    total = int.from_bytes(tail[end + 10:end + 12], "little")
    if total != 0xFFFF:
        budget.refuse_entries(total)


def _zip_entry_kept(info: zipfile.ZipInfo, label: str) -> bool:
    """Whether a zip entry is a file to extract; raises for entries that must not be."""
    name = info.filename
    parts = _zip_parts(name, label)
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise SubmissionError(f"{label} holds a symbolic link ({name!r}); zip the files themselves")
    if info.is_dir() or any(_is_junk(part) for part in parts):
        return False
    if stat.S_IFMT(mode) not in (0, stat.S_IFREG):  # many zips set permission bits only
        raise SubmissionError(f"{label}: {name!r} is not a regular file")
    return True


def _zip_parts(name: str, label: str) -> tuple[str, ...]:
    normalised = name.replace("\\", "/")
    parts = tuple(part for part in normalised.split("/") if part not in ("", "."))
    if (normalised.startswith("/") or re.match(r"^[A-Za-z]:", normalised)
            or ".." in parts or "\0" in normalised or not parts):
        raise SubmissionError(f"{label} holds a path that leaves its folder ({name!r})")
    return parts


def _strip_common_folder(paths: list[tuple[str, ...]]) -> list[str]:
    """Drop one top folder that holds every file (``alice.zip`` → ``alice/...``)."""
    if paths and all(len(parts) > 1 for parts in paths) and len({p[0] for p in paths}) == 1:
        paths = [parts[1:] for parts in paths]
    return ["/".join(parts) for parts in paths]


def _is_zip_name(name: str) -> bool:
    return name.lower().endswith(".zip") and len(name) > 4


def _is_junk(name: str) -> bool:
    return name.startswith(".") or name in _JUNK


def _label(path: Path) -> str:
    name = _printable(path.name)
    return name if _is_zip_name(name) and not path.is_dir() else name + "/"


def _printable(name: str) -> str:
    """A name that can be stored and shown: undecodable bytes and control,
    bidi and format characters become escapes (untrusted.name)."""
    return untrusted.name(name, limit=1000)
