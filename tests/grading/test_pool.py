"""The judge pool: a judge that dies or hangs costs one student, not the run."""

import os
import signal
import time

import pytest
from helpers.classroom import add_folder, full_class, make_course, solution

from rnncourse.grading.pool import JudgePool

SLOW = "import time\ntime.sleep(1.5)\n"


@pytest.fixture
def classroom(tmp_path):
    root = make_course(tmp_path / "course", check_timeout=5.0)  # the slow import fits
    subs = tmp_path / "subs"
    add_folder(subs, "slow", {"activations.py": SLOW + solution("activations")})
    add_folder(subs, "fine", full_class())
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    return root, subs, scratch


def task(subs, student_id, timeout=30):
    return {"student_id": student_id, "source": str(subs / student_id),
            "label": f"{student_id}/", "timeout": timeout}


def test_a_hanging_judge_is_replaced(classroom):
    root, subs, scratch = classroom
    replies = []
    with JudgePool(1, root, scratch) as pool:
        first = pool.judges[0].process
        done = pool.run([task(subs, "slow"), task(subs, "fine")], replies.append,
                        lambda: False, hang_after=0.5)
        assert done and first.poll() is not None and pool.judges[0].process is not first
    slow, fine = replies
    assert slow.status == "error" and slow.result is None
    assert slow.reason == ("grading took longer than 0.5 s; it was stopped; "
                              "run the same command again to retry")
    assert fine.status == "graded" and fine.result["score"] == 20.0


def test_a_judge_killed_midway_costs_only_its_student(classroom):
    root, subs, scratch = classroom
    replies = []
    started = time.monotonic()
    with JudgePool(2, root, scratch) as pool:
        def stop():
            busy = [j for j in pool.judges if j.task and j.task["student_id"] == "slow"]
            if busy and time.monotonic() - busy[0].since > 0.2:
                os.kill(busy[0].process.pid, signal.SIGKILL)
            return False

        assert pool.run([task(subs, "slow"), task(subs, "fine")], replies.append, stop,
                        hang_after=60)
    by_id = {reply.student_id: reply for reply in replies}
    assert by_id["fine"].status == "graded"
    assert by_id["slow"].status == "error"
    assert "it was killed by SIGKILL" in by_id["slow"].reason
    assert time.monotonic() - started < 10


def test_stop_ends_the_run_and_close_kills_busy_judges(classroom):
    root, subs, scratch = classroom
    replies = []
    with JudgePool(1, root, scratch) as pool:
        judge = pool.judges[0]
        assert not pool.run([task(subs, "slow")], replies.append,
                            lambda: judge.task is not None, hang_after=60)
    assert replies == [] and judge.process.poll() is not None


def test_a_check_failing_inside_the_grader_is_an_error_not_a_zero(tmp_path):
    """A bug on the grader's side (here: in the reference solution) must not
    become a student's zero: the student is reported as an error and retried."""
    from helpers.classroom import load_course

    from rnncourse.grading import judge

    root = make_course(tmp_path / "course")
    with open(root / "solutions" / "clipping.py", "a") as file:
        file.write("\n\ndef global_norm(grads):\n    raise RuntimeError('bug in the reference')\n")
    subs = tmp_path / "subs"
    add_folder(subs, "amy", full_class())
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    reply = judge.grade(load_course(root), None, task(subs, "amy"), scratch)
    assert reply.status == "error"
    assert "failed inside the grader" in reply.reason
    assert "bug in the reference" in reply.reason


def test_scratch_folders_of_killed_runs_are_removed_by_the_next(tmp_path, monkeypatch):
    import fcntl
    import tempfile

    from rnncourse.grading.orchestrator import SCRATCH_PREFIX, scratch_folder

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    abandoned, running, fresh = (tmp_path / f"{SCRATCH_PREFIX}{name}"
                                 for name in ("abandoned", "running", "fresh"))
    for folder in (abandoned, running, fresh):
        (folder / "student-x").mkdir(parents=True)
        (folder / ".lock").write_text("")
    for folder in (abandoned, running):
        os.utime(folder, (time.time() - 3600,) * 2)
    with open(running / ".lock") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # as a live run holds it
        with scratch_folder() as scratch:
            assert scratch.is_dir() and scratch.name.startswith(SCRATCH_PREFIX)
        assert not scratch.exists()
        assert not abandoned.exists()
        assert running.is_dir() and fresh.is_dir()


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity"), reason="no CPU affinity here")
def test_each_judge_and_its_fork_server_keep_to_a_cpu_of_their_own(classroom):
    root, subs, scratch = classroom
    cpus = sorted(os.sched_getaffinity(0))
    replies = []
    with JudgePool(3, root, scratch) as pool:
        assert pool.run([task(subs, "fine")], replies.append, lambda: False, hang_after=60)
        for slot, judge in enumerate(pool.judges):
            want = {cpus[slot % len(cpus)]}
            assert os.sched_getaffinity(judge.process.pid) == want
            servers = _children(judge.process.pid, wait=10)
            assert servers and all(os.sched_getaffinity(pid) == want for pid in servers)
    assert replies[0].status == "graded"
    assert os.sched_getaffinity(0) == set(cpus)  # the orchestrator itself is left alone


def _children(pid, wait):
    """The child processes of ``pid`` (its fork server), waiting for them to start."""
    deadline = time.monotonic() + wait
    while True:
        with open(f"/proc/{pid}/task/{pid}/children") as listing:
            children = [int(child) for child in listing.read().split()]
        if children or time.monotonic() > deadline:
            return children
        time.sleep(0.05)


def test_judges_report_the_isolation_they_found(classroom):
    root, subs, scratch = classroom
    replies = []
    with JudgePool(1, root, scratch) as pool:
        assert pool.run([task(subs, "fine")], replies.append, lambda: False, hang_after=60)
        assert isinstance(pool.isolation, dict) and pool.isolation["isolation"] == "strict"
    assert replies[0].status == "graded"
