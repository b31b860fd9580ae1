"""Grading a class: who needs grading, driving the judges, keeping the gradebook.

This runs in the orchestrator, the one process that writes the gradebook and
the exports. Student code never runs here, nor in the judges: each judge
(judge.py) grades one student at a time, in a temporary copy of the
submission, and sends back CourseResult.to_dict() as JSON. Each reply is
committed to the gradebook before the next one is read, so stopping the run at
any moment keeps every student finished so far; a later run grades only the
students that are missing, failed with an error, or whose files or course
changed (content hashes).
"""

from __future__ import annotations

import contextlib
import hashlib
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import rnncourse
from rnncourse import filelock
from rnncourse.course import secret as seeds
from rnncourse.course.manifest import Course
from rnncourse.course.stamp import course_stamp
from rnncourse.errors import CourseError
from rnncourse.grading import quizzes, releases, submissions
from rnncourse.grading.gradebook import Gradebook, Grading, Run
from rnncourse.grading.pool import JudgePool, JudgeStartError
from rnncourse.grading.replies import JudgeReply
from rnncourse.grading.submissions import Scan, Submission
from rnncourse.reports import exports
from rnncourse.results import SCORED, CourseResult, QuizScore, Row
from rnncourse.sandbox import probe

SCRATCH_PREFIX = "rnncourse-grade-"
PACKAGING = "packaging"  # in the stored result JSON: how the files were read (matching.py)
ROUNDS = 3  # gradings of a student the machine failed (a full scratch disk), in one run
RETRY_PAUSE = 1.0  # seconds between two rounds, for the disk to come back


@dataclass(frozen=True)
class Options:
    submissions: Path
    out: Path
    jobs: int
    timeout: float
    force: bool = False


@dataclass
class Plan:
    to_grade: list[Submission] = field(default_factory=list)
    invalid: list[Submission] = field(default_factory=list)  # refused while scanning
    reused: list[Submission] = field(default_factory=list)  # unchanged since their grading


@dataclass
class Outcome:
    rows: list[Row]
    plan: Plan
    graded: int  # students graded (or refused) in this run
    interrupted: bool
    written: dict
    notes: list[str]
    ignored: list[str]  # top-level files of SUBMISSIONS that are not submissions
    unfinished: list[Run]  # earlier runs that never reached their end
    secret_created: bool = False  # this run made the course secret (course/secret.py)


class ProgressView(Protocol):
    """What grade_class reports its progress to: a Progress, or the command's bar."""

    def start(self, total: int) -> None: ...

    def advance(self, grading: Grading) -> None: ...

    def finish(self) -> None: ...


class Progress:
    """What the command shows while grading; the default shows nothing."""

    def start(self, total: int) -> None:
        pass

    def advance(self, grading: Grading) -> None:
        pass

    def finish(self) -> None:
        """Grading is over; the exports are being written."""


def course_hash(course: Course, quiz_graded: bool, secret: bytes | None = None) -> str:
    """Changes whenever a re-grade could give other results: the manifest, the
    solutions, the check modules, this package's version, quizzes on or off,
    the course secret (the hidden checks' cases)."""
    digest = hashlib.sha256(f"{rnncourse.__version__}\0quiz={quiz_graded}\0"
                            f"secret={seeds.fingerprint(secret)}\0".encode())
    checks = Path(rnncourse.__file__).resolve().parent / "checks"
    paths = [course.manifest]
    for exercise in course.exercises:
        paths += [course.solutions_dir / exercise.file, checks / f"{exercise.id}.py"]
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError:
            data = b"(missing)"
        digest.update(f"{path.name}\0{len(data)}\0".encode() + data)
    return digest.hexdigest()


def plan(scan: Scan, current: dict[str, Grading], course_digest: str, force: bool) -> Plan:
    decided = Plan()
    for submission in scan.submissions:
        stored = current.get(submission.student_id)
        unchanged = (stored is not None and stored.status in SCORED
                     and stored.content_hash == submission.content_hash
                     and stored.course_hash == course_digest)
        if unchanged and not force:
            decided.reused.append(submission)
        elif submission.problem is not None:
            decided.invalid.append(submission)
        else:
            decided.to_grade.append(submission)
    return decided


def check_folders(options: Options) -> None:
    submissions_dir = options.submissions.resolve()
    out = options.out.resolve()
    if out == submissions_dir or submissions_dir in out.parents:
        raise CourseError(f"--out '{options.out}' is inside SUBMISSIONS; it would be read as a "
                          "student's submission: choose a folder outside it")
    if out.exists() and not out.is_dir():
        raise CourseError(f"--out '{options.out}' exists and is not a folder")


def grade_class(course: Course, options: Options, progress: ProgressView | None = None,
                stop: Callable[[], bool] = lambda: False) -> Outcome:
    """Grade every submission that needs it, then rewrite the exports.

    The gradebook's lock is held until the exports are written, so that two
    runs into one folder can never mix their exports. Raises CourseError
    (before anything is written) for unusable folders.
    """
    progress = progress or Progress()
    check_folders(options)
    scan = submissions.scan(options.submissions, submissions.expected(course))
    quiz_grader, quiz_note = quizzes.load(course)
    with Gradebook.open(options.out) as gradebook:
        secret, secret_created = seeds.ensure(course)
        digest = course_hash(course, quiz_grader is not None, secret)
        unfinished = gradebook.unfinished_runs()
        decided = plan(scan, gradebook.current(), digest, options.force)
        with contextlib.ExitStack() as judging:
            pool = None
            if decided.to_grade:  # they boot (a few tenths of a second) while the run starts
                scratch = judging.enter_context(scratch_folder())
                pool = judging.enter_context(JudgePool(min(options.jobs, len(decided.to_grade)),
                                                       course.root, scratch))
            gradebook.start_run(options.submissions.resolve(), {
                "jobs": options.jobs, "timeout": options.timeout, "force": options.force})
            progress.start(len(decided.to_grade) + len(decided.invalid))
            finished = True
            for submission in decided.invalid:
                assert submission.problem is not None  # what made plan() call it invalid
                # out of the same quiz points as everyone: an unreadable submission must
                # not raise its percentage by dropping the quiz from its maximum
                quiz = None if quiz_grader is None else quiz_grader.score(
                    problem="not graded: the submission could not be read").to_dict()
                grading = Grading(submission.student_id, "invalid", submission.problem,
                                  submission.content_hash, digest, quiz=quiz)
                gradebook.record(grading)
                progress.advance(grading)
            graded = len(decided.invalid)
            try:
                if pool is not None:
                    count = _run_judges(pool, course, options, decided.to_grade, gradebook,
                                        digest, progress, stop)
                    finished = count == len(decided.to_grade)
                    graded += count
            except JudgeStartError:
                judging.close()
                gradebook.finish_run("failed")
                _export(options, course, scan, gradebook.current(), digest,
                        _first_notes(None, quiz_note), quiz_grader)
                raise
            gradebook.finish_run("finished" if finished else "interrupted")
            isolation = pool.isolation if pool is not None else None
        # the judges are stopped and the scratch folder removed; the lock is still held
        progress.finish()
        rows, notes, written = _export(options, course, scan, gradebook.current(), digest,
                                       _first_notes(isolation, quiz_note), quiz_grader)
    return Outcome(rows, decided, graded, not finished, written, notes, scan.ignored, unfinished,
                   secret_created)


def _first_notes(isolation: dict | None, quiz_note: str | None) -> list[str]:
    """What the report says first: how student code was isolated (as the judges
    found it, or probed here when no judge got that far) and about quizzes."""
    isolation_note, _ = probe.describe_isolation(isolation or probe.probe_isolation())
    return [note for note in (isolation_note, quiz_note) if note]


def _export(options: Options, course: Course, scan: Scan, current: dict[str, Grading],
            digest: str, first_notes: list[str], quiz_grader: quizzes.QuizGrader | None
            ) -> tuple[list[Row], list[str], dict]:
    rows = rows_for(scan, current, digest, quiz_grader)
    notes = _notes(scan, current, rows, first_notes)
    notes += releases.notes(current, {s.student_id for s in scan.submissions},
                            course_stamp(course))
    return rows, notes, exports.write(options.out, course, rows, notes)


def _run_judges(pool: JudgePool, course: Course, options: Options, students: list[Submission],
                gradebook: Gradebook, digest: str, progress: ProgressView,
                stop: Callable[[], bool]) -> int:
    """Grade ``students`` with the judge pool; the number recorded.

    A student whose grading the machine failed (JudgeReply.retry: its copy
    could not be written, say while another student's code filled the disk)
    is not recorded but graded again once the others are done, up to ROUNDS
    times; after that it is recorded as an error (no score, retried next run)."""
    by_id = {submission.student_id: submission for submission in students}
    recorded = 0
    again: list[dict] = []
    last_round = False

    def record(reply: JudgeReply) -> None:
        nonlocal recorded
        submission = by_id[reply.student_id]
        if reply.retry and not last_round:
            again.append(tasks_by_id[reply.student_id])
            return
        if reply.result is not None:
            CourseResult.from_dict(reply.result)  # a malformed reply fails here, not in exports
            reply.result[releases.KEY] = _releases(course, submission)
            if submission.layout is not None:  # how its files were read, for the record
                reply.result[PACKAGING] = submission.layout.to_dict()
        reason = reply.reason
        if reply.retry:
            reason += f" (tried {ROUNDS} times); run the same command again to retry"
        grading = Grading(submission.student_id, reply.status, reason,
                          reply.content_hash or submission.content_hash, digest,
                          reply.result, reply.quiz, reply.seconds,
                          files=_files(submission) if reply.result is not None else None)
        gradebook.record(grading)
        recorded += 1
        progress.advance(grading)

    tasks = [{"student_id": s.student_id, "source": str(s.path.resolve()), "label": s.label,
              "timeout": options.timeout} for s in students]
    tasks_by_id = {task["student_id"]: task for task in tasks}
    # A check already running when the deadline passes may still use its own limit.
    hang_after = options.timeout + 2 * course.policy.check_timeout + 30
    for round_number in range(1, ROUNDS + 1):
        last_round = round_number == ROUNDS
        if not pool.run(tasks, record, stop, hang_after) or not again:
            break
        tasks, again = again, []
        if _wait(RETRY_PAUSE, stop):
            break
    return recorded


def _files(submission: Submission) -> list[tuple[str, bytes]] | None:
    """The submission's files, kept in the gradebook for --replay."""
    try:
        return submissions.members(submission.path)
    except (submissions.SubmissionError, OSError):
        return None


def _releases(course: Course, submission: Submission) -> list[str]:
    """The student edition releases the graded files name (course/stubs.py)."""
    try:
        found, layout = submissions.layout_of(submission.path, submissions.expected(course))
        return releases.found_in(course, submissions.graded_files(found, layout))
    except (submissions.SubmissionError, OSError):
        return []


def _wait(seconds: float, stop: Callable[[], bool]) -> bool:
    """Sleep ``seconds`` unless ``stop()`` turns true first; whether it did."""
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        if stop():
            return True
        time.sleep(0.1)
    return stop()


@contextmanager
def scratch_folder() -> Iterator[Path]:
    """The judges' temporary folder for student copies, removed at the end.

    A run killed with -9 cannot remove its own; it held a lock on it, though,
    so the next run removes every such folder whose lock is free.
    """
    _remove_abandoned_scratch()
    folder = Path(tempfile.mkdtemp(prefix=SCRATCH_PREFIX))
    lock = open(folder / ".lock", "w")  # noqa: SIM115 - held for the whole run
    try:
        filelock.lock(lock)
        yield folder
    finally:
        lock.close()
        shutil.rmtree(folder, ignore_errors=True)


def _remove_abandoned_scratch() -> None:
    if not filelock.SUPPORTED:  # cannot tell an abandoned folder from one in use
        return
    for folder in Path(tempfile.gettempdir()).glob(SCRATCH_PREFIX + "*"):
        try:
            if time.time() - folder.stat().st_mtime < 60:  # it may be locking it right now
                continue
            with open(folder / ".lock") as lock:
                if not filelock.lock(lock, wait=False):
                    continue
        except OSError:
            continue
        shutil.rmtree(folder, ignore_errors=True)


def rows_for(scan: Scan, current: dict[str, Grading], course_digest: str,
             quiz_grader: quizzes.QuizGrader | None = None) -> list[Row]:
    """One report row per submission in SUBMISSIONS, from the gradebook. When
    quizzes are graded every row is out of the quiz's points, even one without
    a quiz score (not graded yet, or an error), so that all share one maximum."""
    rows = []
    for submission in scan.submissions:
        stored = current.get(submission.student_id)
        notes = list(submission.layout.notes) if submission.layout is not None else []
        if stored is None:
            row = Row(submission.student_id, None, status="pending",
                      reason="not graded yet: run the same command again", notes=notes)
        elif stored.status in SCORED and (stored.content_hash != submission.content_hash
                                         or stored.course_hash != course_digest):
            row = Row(submission.student_id, None, status="pending",
                      reason="changed since its last grading and not graded again yet: "
                             "run the same command again", notes=notes)
        else:
            row = Row(stored.student_id,
                      CourseResult.from_dict(stored.result) if stored.result else None,
                      QuizScore.from_dict(stored.quiz) if stored.quiz else None,
                      stored.status, stored.reason, stored.graded_at, stored.seconds, notes)
        if row.quiz is None and quiz_grader is not None:
            row.quiz = quiz_grader.score(problem="not graded")
        rows.append(row)
    return rows


def _notes(scan: Scan, current: dict[str, Grading], rows: list[Row],
           first_notes: list[str]) -> list[str]:
    notes = list(first_notes)
    present = {submission.student_id for submission in scan.submissions}
    gone = sorted(set(current) - present)
    if gone:
        notes.append(f"{len(gone)} student(s) in the gradebook have no submission in SUBMISSIONS "
                     f"any more and are left out of this report: {', '.join(gone[:20])}"
                     + (" …" if len(gone) > 20 else ""))
    pending = sum(1 for row in rows if row.status == "pending")
    if pending:
        notes.append(f"{pending} student(s) are not graded yet (status pending).")
    return notes
