"""Grade the one submission in $AUTOGRADER_ROOT/submission (run_autograder).

``python -m rnncourse.gradescope.autograder`` is what run_autograder starts.
It grades exactly as `rnncourse grade` grades one student: one judge process
(grading/pool.py, grading/judge.py) with its fork server and strict student
processes, the hidden checks drawing this student's own cases (the student
id is read from submission_metadata.json; course/secret.py), and it writes
$AUTOGRADER_ROOT/results/results.json itself (reports/gradescope.py), whole
(written beside it, then renamed), and always: when anything fails for the
grader's fault (a course file that does not load, a judge that dies, no
course secret), the results are score 0 and one test, "Autograder error",
with the reason, and the exit code is still 0 so that Gradescope shows them.
What it prints goes to Gradescope's stdout, which only instructors see.

Layout under $AUTOGRADER_ROOT (default /autograder), as Gradescope makes it:
source/ (the zip: course/, the wheel, setup.sh), venv/ (made by setup.sh),
submission/ (the student's files, or one zip of them), submission_metadata.json,
results/.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ROOT_VARIABLE = "AUTOGRADER_ROOT"
DEFAULT_ROOT = "/autograder"
COURSE = Path("source") / "course"
SUBMISSION = "submission"
METADATA = "submission_metadata.json"
RESULTS = Path("results") / "results.json"
STAGE = "rnncourse-submission"  # the submission's files as grade reads them, in scratch
UNKNOWN_STUDENT = "unknown-student"


def root() -> Path:
    return Path(os.environ.get(ROOT_VARIABLE) or DEFAULT_ROOT)


def log(text: str) -> None:
    """A line for Gradescope's stdout (instructors only)."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def student_id(metadata_path: Path) -> str:
    """The id this submission is graded (and seeded) under: the submitter's email
    as Gradescope lists it (for a group, the first in order), else their
    Gradescope user id; UNKNOWN_STUDENT without metadata (a local trial run).
    An email is a valid student id for `rnncourse grade` too, so a folder of
    the same files named by it gets the same hidden cases."""
    try:
        metadata = json.loads(metadata_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return UNKNOWN_STUDENT
    users = metadata.get("users") if isinstance(metadata, dict) else None
    if not isinstance(users, list) or not users:
        return UNKNOWN_STUDENT
    ids = sorted(str(user.get("email") or user.get("id") or "") for user in users
                 if isinstance(user, dict))
    return next((found for found in ids if found), UNKNOWN_STUDENT)


def staged_files(members: list[tuple[str, bytes]], course) -> list[tuple[str, bytes]]:
    """The files as `rnncourse grade` expects them, at the top of the
    submission: uploaded from a copy of the student edition (a GitHub
    repository, or its folder zipped) they sit in exercises/, with the quiz
    answers at the top."""
    wanted = {exercise.file for exercise in course.exercises}
    if any(name in wanted for name, _ in members):
        return members
    nested = {name.removeprefix("exercises/"): data for name, data in members
              if name.startswith("exercises/") and name.removeprefix("exercises/") in wanted}
    if not nested:
        return members
    return sorted({**dict(members), **nested}.items())


def submission_source(folder: Path) -> Path:
    """The student's upload: the folder, or the one zip file it holds."""
    entries = [entry for entry in folder.iterdir() if not entry.name.startswith(".")]
    if len(entries) == 1 and entries[0].is_file() and entries[0].name.lower().endswith(".zip"):
        return entries[0]
    return folder


def lock_away(base: Path) -> list[str]:
    """As root, make the autograder's own files unreadable to root without
    capabilities, which is what a student process is (it drops every
    capability; sandbox/seccomp.py): mode 000 on the zip's contents, the
    submission, its metadata and the results. Landlock already keeps student
    code to its copy; this still holds on a kernel without Landlock. The
    venv stays readable: student code may import the rest of numpy. Returns
    what was locked."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return []
    locked = []
    for path in (base / "source", base / SUBMISSION, base / METADATA, base / RESULTS.parent):
        try:
            os.chmod(path, 0)
            locked.append(path.name)
        except OSError:
            continue
    return locked


def check_install(base: Path) -> int:
    """setup.sh's last step: the installed autograder loads the course and its secret."""
    from rnncourse.course import manifest
    from rnncourse.course import secret as seeds

    course = manifest.load(base / COURSE)
    if seeds.read(course) is None:
        log(f"the course has no secret ({seeds.FILE})")
        return 1
    import numpy

    log(f"rnncourse {course.name} {course.version} ready ({len(course.exercises)} exercises, "
        f"numpy {numpy.__version__}, Python {sys.version.split()[0]})")
    return 0


def grade(base: Path) -> dict:
    """Grade the submission under ``base``; its results.json as a dict. Raises
    for the grader's faults (the caller turns them into an autograder error)."""
    from rnncourse.course import manifest
    from rnncourse.course import secret as seeds
    from rnncourse.grading import orchestrator, submissions
    from rnncourse.grading.pool import JudgePool
    from rnncourse.grading.replies import JudgeReply
    from rnncourse.reports.gradescope import gradescope_results
    from rnncourse.results import CourseResult, QuizScore, Row, Status
    from rnncourse.sandbox import probe

    locked = lock_away(base)
    course = manifest.load(base / COURSE)
    if seeds.read(course) is None:
        raise RuntimeError(f"the autograder has no course secret ({seeds.FILE}); build it "
                           "again with `rnncourse gradescope build`")
    config = course.gradescope
    student = student_id(base / METADATA)
    log(f"rnncourse {course.name} {course.version}: grading {student}"
        + (f" (unreadable without root's capabilities: {', '.join(locked)})" if locked else ""))
    with orchestrator.scratch_folder() as scratch:
        stage = scratch / STAGE
        stage.mkdir()
        problem = None
        try:
            found = staged_files(submissions.members(submission_source(base / SUBMISSION)),
                                 course)
            for name, data in found:
                (stage / name).parent.mkdir(parents=True, exist_ok=True)
                (stage / name).write_bytes(data)
        except submissions.SubmissionError as error:
            problem = str(error)
        replies: list[JudgeReply] = []
        isolation = None
        if problem is None:
            task = {"student_id": student, "source": str(stage), "label": "your submission",
                    "timeout": config.timeout}
            hang_after = config.timeout + 2 * course.policy.check_timeout + 30
            with JudgePool(1, course.root, scratch, config.memory_mb) as pool:
                pool.run([task], replies.append, lambda: False, hang_after)
                isolation = pool.isolation
        if isolation is not None:
            log(probe.describe_isolation(isolation)[0])
    if problem is not None:
        row = Row(student, None, status=Status.INVALID, reason=problem)
    else:
        reply = replies[0]
        row = Row(student, CourseResult.from_dict(reply.result) if reply.result else None,
                  QuizScore.from_dict(reply.quiz) if reply.quiz else None, reply.status,
                  reply.reason, seconds=reply.seconds)
        log(f"status {row.status}, score {row.score()} / {row.max_score(course)}"
            + (f": {row.reason}" if row.reason else ""))
    extra = {"isolation": probe.describe_isolation(isolation)[0] if isolation else None}
    return gradescope_results(course, row, extra=extra)


def write_results(path: Path, results: dict) -> None:
    from rnncourse import atomic

    atomic.write_text(path, json.dumps(results, indent=1) + "\n")


def main(argv: list[str] | None = None) -> int:
    started = time.monotonic()
    base = root()
    if "--check" in (sys.argv[1:] if argv is None else argv):
        return check_install(base)
    results_path = base / RESULTS
    try:
        results = grade(base)
    except BaseException as error:  # noqa: BLE001 - the results must be written, whatever broke
        from rnncourse import untrusted
        from rnncourse.reports.gradescope import autograder_error

        reason = untrusted.line(f"{type(error).__name__}: {error}" if not
                                isinstance(error, KeyboardInterrupt) else "interrupted")
        log(f"autograder error: {reason}")
        results = autograder_error(reason, time.monotonic() - started)
    results["execution_time"] = round(time.monotonic() - started, 3)
    write_results(results_path, results)
    log(f"wrote {results_path}: score {results['score']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
