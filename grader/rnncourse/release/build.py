"""Writing the student edition: whole, self-tested and audited, or not at all.

The edition is written into a temporary folder beside OUT. The reference's
answers are recorded while the public checks run on the release's students
(students.py), then the edition checks the same students itself
(selftest.py) and everything written is audited (audit.py). Only then is the
folder renamed to OUT (an earlier release there is replaced with --force; no
other folder ever is). Anything that stops it, Ctrl-C included, removes the
temporary folder and leaves OUT as it was.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from rnncourse import atomic, edition
from rnncourse.checking import engine, references
from rnncourse.checking.spec import collect
from rnncourse.course import stamp as stamps
from rnncourse.course import stubs
from rnncourse.course.manifest import Course
from rnncourse.errors import CourseError
from rnncourse.quiz import grading as quiz
from rnncourse.quiz.bank import locked_text
from rnncourse.release import audit, files, selftest, strip
from rnncourse.release.recording import Recorder
from rnncourse.release.students import rounds as student_rounds
from rnncourse.release.students import unseen_rounds

PACKAGE = Path(__file__).resolve().parents[1]
# Left out of the edition's package: the known mistakes' source, this tool,
# and any edition data of the package it is built from.
LEFT_OUT = {"mistakes", "release", "edition_data", "__pycache__"}
EDITION_DATA = Path("grader") / "rnncourse" / "edition_data"


class ReleaseFailed(Exception):
    """The edition failed its self-test or its audit: exit 1, nothing written."""

    def __init__(self, summary: str, problems: list[str]) -> None:
        super().__init__(summary)
        self.summary = summary
        self.problems = problems


@dataclass
class Report:
    out: Path
    stamp: str
    records: int
    records_bytes: int
    students: int
    compared: int
    timed_out: int
    files: int
    seconds: float


class Progress(Protocol):
    """What build reports its progress to (the command's bars)."""

    def stage(self, description: str, total: int | None = None) -> None: ...

    def advance(self) -> None: ...


class Silent:
    """Progress that shows nothing."""

    def stage(self, description: str, total: int | None = None) -> None:
        pass

    def advance(self) -> None:
        pass


def is_release(folder: Path) -> bool:
    """Whether ``folder`` holds a student edition written by release."""
    try:
        return edition.read(folder / EDITION_DATA) is not None
    except (RuntimeError, ValueError, KeyError, OSError):
        return False


def validate(course: Course, out: Path, force: bool) -> None:
    """Everything that makes a release impossible, before anything is written:
    raises CourseError (one line, exit 2)."""
    out = Path(out).resolve()
    root = course.root.resolve()
    if out == root or root in out.parents:
        raise CourseError(f"{out}: inside the course folder; write the student edition "
                          "outside it (it must not travel with the instructor's files)")
    if out in root.parents:
        raise CourseError(f"{out}: holds the course folder; choose a new folder for the "
                          "student edition")
    if not out.parent.is_dir():
        raise CourseError(f"{out.parent}: folder does not exist")
    if out.exists() or out.is_symlink():
        if out.is_symlink() or not out.is_dir() or not is_release(out):
            raise CourseError(f"{out}: exists and is not a student edition written by "
                              "`rnncourse release`; it is never replaced: choose another OUT")
        if not force:
            raise CourseError(f"{out}: already holds a release; add --force to replace it")
    stale = [item for item in stubs.plan(course) if item.state != "same"]
    if stale:
        raise CourseError(f"exercises/{stale[0].path.name} has drifted from solutions/ "
                          f"({stale[0].state}); run `rnncourse build` first")
    if course.quiz is not None:
        quiz.load_bank(course)  # a bank that fails validation stops here
    for exercise in course.exercises:
        collect(exercise)  # a check module that does not load, too


def build(course: Course, out: Path, force: bool = False,
          progress: Progress | None = None) -> Report:
    """Write the student edition of ``course`` to ``out``."""
    started = time.monotonic()
    progress = progress or Silent()
    validate(course, out, force)
    out = Path(out).resolve()
    stamp = stamps.course_stamp(course)
    temporary = Path(tempfile.mkdtemp(prefix=f".{out.name}.release-", dir=out.parent))
    os.chmod(temporary, 0o755)  # mkdtemp's 0700 would become OUT's
    scratch = Path(tempfile.mkdtemp(prefix="rnncourse-release-"))
    try:
        write_files(course, temporary, stamp)
        rounds = student_rounds(course, scratch / "students")
        recorder = Recorder(course)
        progress.stage("Recording the reference's answers", len(rounds))
        full = {}
        with references.using(recorder):
            for round_ in rounds:
                result = engine.run(course, course.select(round_.exercises), round_.folder)
                full[round_.name] = result.to_dict()
                progress.advance()
        data = temporary / EDITION_DATA
        recorder.writer.save(data / edition.RECORDS)
        unseen = unseen_rounds(course, scratch / "unseen")
        progress.stage("Checking students nothing was recorded with", len(unseen))
        for round_ in unseen:  # the full course's own results, not recorded
            full[round_.name] = engine.run(course, course.select(round_.exercises),
                                           round_.folder).to_dict()
            progress.advance()
        tested = rounds + unseen
        progress.stage("Checking the edition against the full course", len(tested))
        theirs = selftest.run_edition(temporary, tested, scratch, progress.advance)
        problems, compared, timed_out = selftest.differences(full, theirs, tested)
        if problems:
            raise ReleaseFailed(f"the student edition disagrees with the full course on "
                                f"{len(problems)} check(s); nothing was written", problems)
        progress.stage("Auditing what was written")
        _remove_caches(temporary)
        findings = audit.audit(temporary, audit.secrets(course))
        if findings:
            raise ReleaseFailed(f"the audit found {len(findings)} secret(s) in the edition; "
                                "nothing was written", [str(finding) for finding in findings])
        written = sum(1 for path in temporary.rglob("*") if path.is_file())
        records_bytes = (data / edition.RECORDS).stat().st_size
        _move_into_place(temporary, out)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return Report(out, stamp, recorder.writer.count(), records_bytes,
                  sum(len(r.exercises) for r in tested), compared, timed_out, written,
                  time.monotonic() - started)


def write_files(course: Course, target: Path, stamp: str) -> None:
    """Everything of the edition but its records."""
    atomic.write_text(target / "README.md", files.readme(course, stamp), durable=False)
    atomic.write_text(target / "pyproject.toml", files.pyproject(course), durable=False)
    atomic.write_text(target / "course.toml", files.manifest(course, stamp), durable=False)
    atomic.write_text(target / ".gitignore", files.GITIGNORE, durable=False)
    guide = files.student_guide(course)
    if guide is not None:
        atomic.write_text(target / "docs" / "student-guide.md", guide, durable=False)
    for exercise in course.exercises:
        source = (course.solutions_dir / exercise.file).read_text(encoding="utf-8")
        stub = stubs.strip_solutions(source, f"solutions/{exercise.file}", release=stamp)
        atomic.write_text(target / "exercises" / exercise.file, stub, durable=False)
    if course.notes_dir.is_dir():
        shutil.copytree(course.notes_dir, target / "notes",
                        ignore=shutil.ignore_patterns("__pycache__", ".*"))
    if course.quiz is not None:
        bank = quiz.load_bank(course)
        text = course.quiz_bank.read_text(encoding="utf-8") if bank.locked else locked_text(bank)
        atomic.write_text(target / files.BANK, text, durable=False)
    _write_package(target / "grader" / "rnncourse")
    hidden = {exercise.id: _hidden_weights(exercise) for exercise in course.exercises}
    marker = edition.Edition(course.version, stamp.rpartition("+")[2], hidden)
    atomic.write_text(target / EDITION_DATA / edition.MARKER,
                      json.dumps(marker.to_dict(), indent=1) + "\n", durable=False)


def _hidden_weights(exercise) -> dict[str, float]:
    weights: dict[str, float] = {}
    for spec in collect(exercise):
        if spec.hidden:
            weights[spec.function] = weights.get(spec.function, 0.0) + spec.weight
    return weights


def _write_package(target: Path) -> None:
    sources: dict[str, str] = {}
    paths: dict[str, Path] = {}
    for path in sorted(PACKAGE.rglob("*")):
        relative = path.relative_to(PACKAGE)
        if not path.is_file() or LEFT_OUT & set(relative.parts) or path.suffix == ".pyc":
            continue
        if path.suffix == ".py":
            parts = relative.with_suffix("").parts
            name = ".".join(("rnncourse", *(parts[:-1] if parts[-1] == "__init__" else parts)))
            sources[name] = path.read_text(encoding="utf-8")
            paths[name] = relative
        else:
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target / relative)
    stripped = strip.strip_package(sources)
    for name, relative in paths.items():
        text = stripped[name].source if name in stripped else sources[name]
        atomic.write_text(target / relative, text, durable=False)


def _remove_caches(folder: Path) -> None:
    for cache in sorted(folder.rglob("__pycache__"), reverse=True):
        shutil.rmtree(cache, ignore_errors=True)
    for extra in folder.glob("grader/*.egg-info"):
        shutil.rmtree(extra, ignore_errors=True)


def _move_into_place(temporary: Path, out: Path) -> None:
    if out.exists():
        old = out.with_name(f".{out.name}.replaced-{os.getpid()}-{os.urandom(3).hex()}")
        os.rename(out, old)
        try:
            os.rename(temporary, out)
        except BaseException:
            os.rename(old, out)
            raise
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(temporary, out)


def run_audit(course: Course, folder: Path) -> list[audit.Finding]:
    """`release --audit FOLDER`: the findings in any folder."""
    return audit.audit(Path(folder), audit.secrets(course))
