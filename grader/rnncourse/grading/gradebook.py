"""The gradebook of `rnncourse grade`: one SQLite file in the output folder.

Only the orchestrator writes it, one transaction per finished student, so a
run stopped at any instant (Ctrl-C, kill -9, a power cut with SQLite's
guarantees) keeps every student finished before it. ``gradings`` keeps every
grading ever made; ``students`` points at each student's current one and
counts how often the student was graded. A file that is not a gradebook of
this version is refused before anything is written to it.

A write that fails because the disk is full (SQLITE_FULL, or an I/O error)
leaves the file as it was (SQLite rolls the transaction back) and is tried
again for up to DISK_PATIENCE seconds: a submission filling a scratch folder
on the same filesystem gives the space back when its grading ends.

``contents`` keeps the files of every submission graded (by content hash,
compressed, once however often they are graded), so that `rnncourse grade
--replay` can run one check of one student again exactly as it ran; each
check's result holds its seed (results.CheckResult.seed).
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from rnncourse import filelock, untrusted
from rnncourse.errors import CourseError

_T = TypeVar("_T")

FILE = "gradebook.sqlite"
DISK_PATIENCE = 20.0  # seconds a write waits for a full disk to have room again
_DISK_FULL = {sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR}
LOCK = ".gradebook.lock"
SCHEMA_VERSION = 2
APPLICATION = "rnncourse gradebook"
# Version 2 adds the submissions' files (for --replay); a version 1 gradebook
# gets the table the first time this version opens it.
_CONTENTS = """
CREATE TABLE contents (
    content_hash TEXT PRIMARY KEY,
    files BLOB NOT NULL             -- pack(): every file name and its bytes, compressed
);
"""

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    state TEXT NOT NULL,            -- running, finished, interrupted
    submissions TEXT NOT NULL,
    options TEXT NOT NULL           -- JSON: jobs, timeout, force
);
CREATE TABLE gradings (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs (id),
    student_id TEXT NOT NULL,
    status TEXT NOT NULL,           -- graded, timeout, invalid, error
    reason TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    course_hash TEXT NOT NULL,
    score REAL,
    max_score REAL,
    result TEXT,                    -- CourseResult.to_dict() as JSON; NULL when not graded
    quiz TEXT,                      -- QuizScore.to_dict() as JSON; NULL when quizzes are not graded
    graded_at TEXT NOT NULL,        -- UTC, ISO 8601
    seconds REAL NOT NULL
);
CREATE TABLE students (
    student_id TEXT PRIMARY KEY,
    grading_id INTEGER NOT NULL REFERENCES gradings (id),
    gradings INTEGER NOT NULL       -- how many times this student has been graded
);
CREATE INDEX gradings_by_student ON gradings (student_id);
""" + _CONTENTS


@dataclass
class Grading:
    """One student's grading as stored."""

    student_id: str
    status: str
    reason: str
    content_hash: str
    course_hash: str
    result: dict | None = None
    quiz: dict | None = None
    seconds: float = 0.0
    graded_at: str = ""
    run_id: int = 0
    gradings: int = 0  # filled in when read back
    # the submission's files (relative path, bytes), stored under content_hash
    files: list[tuple[str, bytes]] | None = None


@dataclass(frozen=True)
class Run:
    id: int
    started_at: str
    state: str


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class Gradebook:
    def __init__(self, folder: Path, connection: sqlite3.Connection, lock) -> None:
        self.folder = folder
        self.path = folder / FILE
        self._db = connection
        self._lock = lock
        self.run_id = 0

    @classmethod
    def open(cls, folder: Path) -> Gradebook:
        """Open (or create) the gradebook in ``folder``, for this process alone.

        Raises CourseError when the folder cannot be written, another run holds
        it, or the file there is not a gradebook.
        """
        folder = Path(folder)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            lock = open(folder / LOCK, "a")  # noqa: SIM115 - held until close()
        except OSError as error:
            raise CourseError(f"--out folder '{folder}' cannot be written "
                              f"({error.strerror or error})") from None
        if not filelock.lock(lock, wait=False):
            lock.close()
            raise CourseError(f"another `rnncourse grade` is writing to '{folder}'; "
                              "wait for it to finish")
        try:
            connection = _connect(folder / FILE)
        except BaseException:
            lock.close()
            raise
        return cls(folder, connection, lock)

    def _write(self, statements: Callable[[], _T]) -> _T:
        """Run ``statements`` in one transaction; a full disk is waited out
        (DISK_PATIENCE), anything else raised."""
        waited_until = time.monotonic() + DISK_PATIENCE
        while True:
            try:
                with self._db:
                    return statements()
            except sqlite3.OperationalError as error:
                code = getattr(error, "sqlite_errorcode", 0) & 0xFF
                if code not in _DISK_FULL or time.monotonic() >= waited_until:
                    raise
                # as SQLite advises after these errors (it may have rolled back already)
                with contextlib.suppress(sqlite3.Error):
                    self._db.rollback()
            time.sleep(0.5)

    def start_run(self, submissions: Path, options: dict) -> int:
        cursor = self._write(lambda: self._db.execute(
            "INSERT INTO runs (started_at, state, submissions, options) "
            "VALUES (?, 'running', ?, ?)", (now(), untrusted.name(str(submissions), 4000),
                                            json.dumps(options))))
        assert cursor.lastrowid is not None  # an INSERT sets it
        self.run_id = cursor.lastrowid
        return self.run_id

    def finish_run(self, state: str) -> None:
        self._write(lambda: self._db.execute(
            "UPDATE runs SET finished_at = ?, state = ? WHERE id = ?",
            (now(), state, self.run_id)))

    def unfinished_runs(self) -> list[Run]:
        """Earlier runs that never reached their end (killed, crashed)."""
        rows = self._db.execute("SELECT id, started_at, state FROM runs "
                                "WHERE state = 'running' AND id != ? ORDER BY id",
                                (self.run_id,)).fetchall()
        return [Run(*row) for row in rows]

    def record(self, grading: Grading) -> None:
        """Store one student's grading: all of it, or (if interrupted) none of it."""
        grading.graded_at = grading.graded_at or now()
        grading.run_id = self.run_id
        result = grading.result

        def insert() -> None:
            cursor = self._db.execute(
                "INSERT INTO gradings (run_id, student_id, status, reason, content_hash, "
                "course_hash, score, max_score, result, quiz, graded_at, seconds) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (self.run_id, grading.student_id, grading.status, untrusted.text(grading.reason),
                 grading.content_hash, grading.course_hash,
                 None if result is None else result.get("score"),
                 None if result is None else result.get("max_score"),
                 None if result is None else json.dumps(result),
                 None if grading.quiz is None else json.dumps(grading.quiz),
                 grading.graded_at, grading.seconds))
            if grading.files is not None:
                self._db.execute("INSERT OR IGNORE INTO contents (content_hash, files) "
                                 "VALUES (?, ?)", (grading.content_hash, pack(grading.files)))
            self._db.execute(
                "INSERT INTO students (student_id, grading_id, gradings) VALUES (?, ?, 1) "
                "ON CONFLICT (student_id) DO UPDATE SET grading_id = excluded.grading_id, "
                "gradings = gradings + 1", (grading.student_id, cursor.lastrowid))

        self._write(insert)

    def current(self) -> dict[str, Grading]:
        """Every student's current grading, by student id."""
        rows = self._db.execute(
            "SELECT g.student_id, g.status, g.reason, g.content_hash, g.course_hash, g.result, "
            "g.quiz, g.seconds, g.graded_at, g.run_id, s.gradings "
            "FROM students s JOIN gradings g ON g.id = s.grading_id ORDER BY g.student_id")
        found = {}
        for (student_id, status, reason, content_hash, course_hash, result, quiz, seconds,
             graded_at, run_id, count) in rows:
            found[student_id] = Grading(
                student_id, status, reason, content_hash, course_hash,
                None if result is None else json.loads(result),
                None if quiz is None else json.loads(quiz),
                seconds, graded_at, run_id, count)
        return found

    def files(self, content_hash: str) -> list[tuple[str, bytes]] | None:
        """The files of a graded submission, or None when they were not kept
        (a grading by an older rnncourse, or a submission that could not be read)."""
        row = self._db.execute("SELECT files FROM contents WHERE content_hash = ?",
                               (content_hash,)).fetchone()
        return None if row is None else unpack(row[0])

    def close(self) -> None:
        try:
            self._db.close()
        finally:
            self._lock.close()

    def __enter__(self) -> Gradebook:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _connect(path: Path) -> sqlite3.Connection:
    refuse = (f"'{path}' is not an rnncourse gradebook; move it away or choose "
              "another --out folder")
    try:
        connection = sqlite3.connect(path, timeout=10)
    except sqlite3.Error as error:
        raise CourseError(f"'{path}' cannot be opened ({error})") from None
    try:
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        tables = {name for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        if version == 0 and not tables:
            connection.executescript("BEGIN;" + _SCHEMA + "INSERT INTO meta VALUES "
                                     f"('application', '{APPLICATION}');"
                                     f"PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;")
        elif version == 1 and _application(connection) == APPLICATION:
            connection.executescript("BEGIN;" + _CONTENTS +
                                     f"PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;")
        elif version != SCHEMA_VERSION or _application(connection) != APPLICATION:
            newer = version > SCHEMA_VERSION and _application(connection) == APPLICATION
            raise CourseError(f"'{path}' was written by a newer rnncourse" if newer else refuse)
        # WAL: a commit is one append; NORMAL sync survives any crash of this process.
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = NORMAL")
        connection.execute("BEGIN IMMEDIATE")  # fails now, not mid-run, if it is read-only
        connection.execute("ROLLBACK")
    except sqlite3.DatabaseError as error:
        connection.close()
        if "not a database" in str(error) or "malformed" in str(error):
            raise CourseError(refuse) from None
        raise CourseError(f"'{path}' cannot be used ({error})") from None
    except BaseException:
        connection.close()
        raise
    return connection


def _application(connection: sqlite3.Connection) -> str | None:
    try:
        row = connection.execute("SELECT value FROM meta WHERE key = 'application'").fetchone()
    except sqlite3.DatabaseError:
        return None
    return row[0] if row else None


def pack(files: list[tuple[str, bytes]]) -> bytes:
    """Files as one compressed blob: each name and its bytes, length-prefixed."""
    parts = []
    for name, data in files:
        encoded = name.encode("utf-8", "surrogateescape")
        parts += [len(encoded).to_bytes(8, "little"), encoded, len(data).to_bytes(8, "little"),
                  data]
    return zlib.compress(b"".join(parts), 6)


def unpack(blob: bytes) -> list[tuple[str, bytes]]:
    data = zlib.decompress(blob)
    files, at = [], 0
    while at < len(data):
        size = int.from_bytes(data[at:at + 8], "little")
        name = data[at + 8:at + 8 + size].decode("utf-8", "surrogateescape")
        at += 8 + size
        size = int.from_bytes(data[at:at + 8], "little")
        files.append((name, data[at + 8:at + 8 + size]))
        at += 8 + size
    return files
