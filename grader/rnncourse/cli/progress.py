"""The student's progress: the last check of each exercise (public checks only,
and with the hidden ones, apart) and the last answer to each quiz question (the
answer itself, for `rnncourse quiz --export`), kept in
<course>/.rnncourse/status.json.

Version 2 of the file; a version 1 store (one check per exercise, quiz answers
as right or wrong only) is read and rewritten as version 2 on the next change.

Every change is a locked read-modify-write that replaces the file atomically,
so Ctrl-C or a second rnncourse running at the same time never leaves it half
written. This module is imported on every `rnncourse check`: it must stay cheap
(the standard library and click, which the CLI has loaded already).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from rnncourse import atomic, filelock

if TYPE_CHECKING:
    from rnncourse.course.manifest import Course
    from rnncourse.results import CourseResult

VERSION = 2
FILE = "status.json"
PUBLIC, HIDDEN = "public", "hidden"  # the two kinds of check run, kept apart per exercise
STATE_DIR_VARIABLE = "RNNCOURSE_STATE_DIR"  # where to keep it instead (tests, shared machines)
MAX_SESSIONS = 50


def state_dir(root: Path) -> Path:
    override = os.environ.get(STATE_DIR_VARIABLE)
    return Path(override) if override else Path(root) / ".rnncourse"


def path(root: Path) -> Path:
    return state_dir(root) / FILE


def empty() -> dict:
    return {"version": VERSION, "exercises": {}, "quiz": {"questions": {}, "sessions": []}}


def load(root: Path) -> tuple[dict, str | None]:
    """(the store, a problem) — an unreadable store reads as empty, with the reason."""
    try:
        data = json.loads(path(root).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return empty(), None
    except (OSError, UnicodeDecodeError, ValueError) as error:
        return empty(), f"{path(root)} is unreadable ({error}); it will be replaced"
    if not _well_formed(data):
        return empty(), f"{path(root)} has an unexpected layout; it will be replaced"
    return _upgraded(data), None


def _well_formed(data: object) -> bool:
    return (isinstance(data, dict) and data.get("version") in (1, VERSION)
            and isinstance(data.get("exercises"), dict)
            and all(isinstance(entry, dict) for entry in data["exercises"].values())
            and isinstance(data.get("quiz"), dict)
            and isinstance(data["quiz"].get("questions"), dict)
            and isinstance(data["quiz"].get("sessions"), list))


def _upgraded(data: dict) -> dict:
    """A version 1 store as version 2: each exercise's one check filed under the
    kind it was (public, or with hidden checks); its quiz answers, right or wrong,
    without the answer given (version 1 did not keep it)."""
    if data["version"] == 1:
        data["exercises"] = {
            exercise_id: {HIDDEN if entry.get("hidden_included") else PUBLIC: entry}
            for exercise_id, entry in data["exercises"].items()}
        data["version"] = VERSION
    return data


@contextmanager
def _locked(root: Path):
    folder = state_dir(root)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "status.lock", "a+") as handle:
        filelock.lock(handle)  # without one (not POSIX), atomic replace still prevents torn files
        yield


def update(root: Path, change: Callable[[dict], None]) -> None:
    """Apply ``change`` to the store and write it back atomically."""
    with _locked(root):
        data, _problem = load(root)
        change(data)
        atomic.write_text(path(root), json.dumps(data, indent=1, sort_keys=True) + "\n")


def safely(action: Callable[[], None]) -> None:
    """Run a recording step; a failure to record is reported on stderr and never
    fails the command (stdout stays clean for --json)."""
    try:
        action()
    except (OSError, ValueError) as error:
        click.echo(f"rnncourse: could not record progress ({error})", err=True)


def record_check(course: Course, folder: Path, result: CourseResult) -> None:
    """Remember each exercise's result, when ``folder`` is the course's own exercises/
    (a check of solutions/ or of another folder is not the student's progress)."""
    try:
        if Path(folder).resolve() != course.exercises_dir.resolve():
            return
    except OSError:
        return
    now = time.time()

    kind = HIDDEN if result.hidden_included else PUBLIC

    def change(data: dict) -> None:
        for exercise in result.exercises:
            data["exercises"].setdefault(exercise.id, {})[kind] = {
                "score": exercise.score,
                "max_score": exercise.max_score,
                "passed": exercise.passed,
                "checks_passed": sum(check.passed for check in exercise.checks),
                "checks": len(exercise.checks),
                "hidden_included": result.hidden_included,
                "at": now,
            }

    safely(lambda: update(course.root, change))


def _answer(topic: str, correct: bool, given: object, now: float) -> dict:
    """A question's latest answer; ``given`` in answers-file form ("b", ["a", "c"],
    true, 0.25), None when the student gave up on it (``?``)."""
    return {"topic": topic, "correct": correct, "given": given, "at": now}


def record_answer(root: Path, question_id: str, topic: str, correct: bool,
                  given: object = None) -> None:
    """Remember the latest answer to one quiz question."""
    now = time.time()

    def change(data: dict) -> None:
        data["quiz"]["questions"][question_id] = _answer(topic, correct, given, now)

    safely(lambda: update(root, change))


def record_answers(root: Path, answers: list[tuple[str, str, bool, object]],
                   session: dict) -> None:
    """Remember many answers (id, topic, correct, given) at once, plus a summary
    of the session."""
    now = time.time()

    def change(data: dict) -> None:
        for question_id, topic, correct, given in answers:
            data["quiz"]["questions"][question_id] = _answer(topic, correct, given, now)
        sessions = data["quiz"]["sessions"]
        sessions.append(dict(session, at=now))
        del sessions[:-MAX_SESSIONS]

    safely(lambda: update(root, change))
