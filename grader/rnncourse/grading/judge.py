"""A judge process of `rnncourse grade`: grades one student at a time.

The orchestrator starts ``--jobs`` of these as fresh interpreters
(``python -m rnncourse.grading.judge FD COURSE_ROOT SCRATCH [CPU [MEMORY_MB]]``),
each on a CPU of its own when it can (pool.py); MEMORY_MB replaces course.toml's
cap on student processes (the Gradescope autograder's fits its container). A
judge is trusted code: it copies a submission into a new folder under
SCRATCH, runs the checks there (engine.run with strict
isolation and a wall-clock deadline; the student code itself runs in processes
forked from this judge's own fork server: one for all the student's files
while they leave it as they found them, see sharedstate.py), grades the quiz
answers, deletes the copy, and sends back one line of JSON built from
CourseResult.to_dict(). Hidden checks draw the student's own cases (course/secret.py).
It never opens the gradebook or writes the exports.

Requests and replies are JSON lines on the socket FD; EOF means "stop".
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import signal
import socket
import stat
import sys
import tempfile
import time
from pathlib import Path

from rnncourse import untrusted
from rnncourse.course import secret as seeds
from rnncourse.course.manifest import Course
from rnncourse.grading.quizzes import QuizGrader
from rnncourse.grading.replies import JudgeReply
from rnncourse.results import CourseResult, Kind, Status
from rnncourse.sandbox import forkserver, reaper


def grade(course: Course, quiz: QuizGrader | None, task: dict, scratch: Path) -> JudgeReply:
    """Grade the submission of ``task`` (student_id, source, label, timeout)."""
    from rnncourse.checking import engine
    from rnncourse.grading import submissions

    started = time.monotonic()
    reply = JudgeReply(task["student_id"])
    copy: Path | None = None
    try:
        try:
            copy = Path(tempfile.mkdtemp(prefix="student-", dir=scratch)).resolve()
            reply.content_hash = submissions.materialize(Path(task["source"]), copy,
                                                         submissions.expected(course))
        except submissions.SubmissionError as error:
            reply.status, reply.reason = Status.INVALID, str(error)
            reply.content_hash = submissions.problem_hash(str(error))
            return reply
        except (submissions.CopyError, OSError) as error:  # the machine's fault: again later
            reply.status, reply.retry, reply.content_hash = Status.ERROR, True, ""
            reply.reason = (str(error) if isinstance(error, submissions.CopyError) else
                            f"no copy could be made in the grader's scratch folder "
                            f"({error.strerror or error})")
            return reply
        # Before any student code runs: its process may rewrite files in its copy.
        if quiz is not None:
            reply.quiz = quiz.grade(copy).to_dict()
        timeout = float(task["timeout"])
        deadline = time.monotonic() + timeout
        secret = seeds.read(course)  # without one (a course never graded), fresh cases
        key = seeds.student_key(secret, task["student_id"]) if secret is not None else None
        # one exercise at a time (the --jobs judges already keep the cores busy), the
        # files in turn through one student process while they leave it as they found it
        result = engine.run(course, list(course.exercises), copy, include_hidden=True,
                            workdir=copy, isolation="strict", deadline=deadline, parallel=1,
                            one_process=True, seed_key=key)
        _hide_copy_path(result, copy, task.get("label") or task["student_id"])
        reply.result = result.to_dict()
        checks = [check for exercise in result.exercises for check in exercise.checks]
        cut = [check for check in checks if check.kind == Kind.TIMEOUT]
        broken = [check for check in checks if check.kind == Kind.INTERNAL]
        if broken:  # the grader failed, not the student: no score, retried next run
            reply.status = Status.ERROR
            reply.reason = (f"{len(broken)} check(s) failed inside the grader "
                            f"(first: {broken[0].message[:200]}); run the same command "
                            "again to retry")
        elif cut and time.monotonic() >= deadline:
            reply.status = Status.TIMEOUT
            reply.reason = (f"stopped at the time limit of {timeout:g} s per student "
                            f"({len(cut)} checks timed out or were not run)")
        return reply
    except Exception as error:  # noqa: BLE001 - a bug here fails one student, not the run
        reply.status, reply.result = Status.ERROR, None
        reply.reason = untrusted.line(f"internal error while grading: {type(error).__name__}: "
                                      f"{error}")
        return reply
    finally:
        reply.seconds = round(time.monotonic() - started, 4)
        if _judge_process:  # before the copy goes: nothing may hold its files open
            end_leftovers()
        if copy is not None:
            _remove(copy)


# True in a judge process (main): there, grade() ends what each student left.
# A process that merely calls grade() (a test) may have children of its own.
_judge_process = False


def end_leftovers() -> None:
    """Kill every process below this judge but its fork server: after a student,
    nothing else of theirs may still run. The judge is a child subreaper
    (main), so even a process that left its session and lost its parent is
    still below it (reaper.py)."""
    server = forkserver.running()
    reaper.kill_descendants(os.getpid(), spare=[server.process.pid] if server else [])


def _hide_copy_path(result: CourseResult, copy: Path, label: str) -> None:
    """Messages name the submission, not the judge's temporary folder."""
    path = str(copy)
    for exercise in result.exercises:
        if exercise.problem:
            exercise.problem = exercise.problem.replace(path, label)
        for check in exercise.checks:
            check.message = check.message.replace(path, label)
            check.output = check.output.replace(path, label)


def _remove(folder: Path) -> None:
    """Delete a student's copy, even where its code took permissions away."""
    def retry(function, path, _info):
        try:
            os.chmod(os.path.dirname(path), stat.S_IRWXU)
            os.chmod(path, stat.S_IRWXU)
            function(path)
        except OSError:
            pass

    shutil.rmtree(folder, onerror=retry)


def _warm(course: Course) -> None:
    """Import every check module and solution now rather than during the first student."""
    from rnncourse.checking import engine
    from rnncourse.course.loader import reference_module

    for exercise in course.exercises:
        try:
            engine.collect(exercise, include_hidden=True)
            reference_module(course.solutions_dir, exercise.file)
        except Exception:  # noqa: BLE001, S112 - the same error is reported per student
            continue


def pin_to_cpu(cpu: int) -> None:
    """Keep this process, and those it starts from now on, on ``cpu``."""
    try:
        os.sched_setaffinity(0, {cpu})
    except (AttributeError, OSError, ValueError):
        pass  # a hint only: grading works the same without it


def main(argv: list[str] | None = None) -> None:
    fd, root, scratch, *rest = (argv or sys.argv[1:])[:5]
    cpu, memory_mb = (rest + ["", ""])[:2]
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the orchestrator's to handle
    global _judge_process
    _judge_process = reaper.become_subreaper()  # orphans of student processes stay below
    if cpu:
        pin_to_cpu(int(cpu))  # before the fork server starts, so that it inherits it
    forkserver.warm_up()  # boots numpy in the fork server while this process imports
    from rnncourse.course import manifest as course_module
    from rnncourse.grading import quizzes

    channel = socket.socket(fileno=int(fd))
    course = course_module.load(Path(root))
    if memory_mb:
        course = dataclasses.replace(course, policy=dataclasses.replace(
            course.policy, memory_mb=int(memory_mb)))
    quiz, _ = quizzes.load(course)
    _warm(course)
    from rnncourse.sandbox.probe import probe_isolation

    ready = {"ready": os.getpid(), "isolation": probe_isolation()}
    channel.sendall(json.dumps(ready).encode() + b"\n")
    for line in channel.makefile("rb"):
        reply = grade(course, quiz, json.loads(line), Path(scratch))
        try:
            channel.sendall(json.dumps(reply.to_dict()).encode() + b"\n")
        except OSError:  # the orchestrator is gone: nobody to report to
            break
    reaper.kill_descendants(os.getpid())  # the fork server too, and anything it missed


if __name__ == "__main__":
    main()
