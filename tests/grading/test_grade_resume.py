"""Stopping a grading run midway — kill -9 or Ctrl-C — loses nothing: a second run
grades exactly the students that were not finished, and no process is left over."""

import csv
import signal
import sqlite3
import time
import uuid

import pytest
from helpers.classroom import (
    add_folder,
    finished_count,
    full_class,
    grade,
    gradebook_rows,
    kill_all,
    make_course,
    processes_tagged,
    solution,
    start_grading,
)

CLASS_SIZE = 48
# Each student's import takes a moment, so that a run lasts long enough to stop.
SLOW = "import time\ntime.sleep(0.06)\n"


def slow_class(base):
    root = make_course(base / "course")
    subs = base / "submissions"
    subs.mkdir()
    for index in range(CLASS_SIZE):
        files = full_class()
        files["activations.py"] = SLOW + files["activations.py"]
        add_folder(subs, f"s{index:03d}", files)
    return root, subs


def wait_for(condition, seconds=30.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def runs(out):
    with sqlite3.connect(out / "gradebook.sqlite") as db:
        return db.execute("SELECT id, state FROM runs ORDER BY id").fetchall()


def gradings_per_student(out):
    with sqlite3.connect(out / "gradebook.sqlite") as db:
        return dict(db.execute("SELECT student_id, count(*) FROM gradings GROUP BY student_id"))


def test_sigkill_midway_then_resume(tmp_path):
    root, subs = slow_class(tmp_path)
    out = tmp_path / "out"
    process = start_grading(root, subs, out, "--jobs", "2")
    try:
        assert wait_for(lambda: finished_count(out) >= 5), "no student finished"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        process.kill()
    first = gradebook_rows(out)
    assert 5 <= len(first) < CLASS_SIZE, "the run was not stopped midway"
    assert all(row["run_id"] == 1 and row["result"] for row in first.values())
    assert runs(out) == [(1, "running")]  # it never got to say it finished

    again = grade(root, subs, out, "--jobs", "2")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "an earlier run" in again.stdout and "stopped before its end" in again.stdout
    assert f"Graded {CLASS_SIZE - len(first)} student(s)" in " ".join(again.stdout.split())
    rows = gradebook_rows(out)
    assert len(rows) == CLASS_SIZE
    for student_id, row in rows.items():
        if student_id in first:  # finished before the kill: kept, not graded again
            assert row["gradings"] == 1 and row["run_id"] == 1
            assert row["graded_at"] == first[student_id]["graded_at"]
        else:
            assert row["gradings"] == 1 and row["run_id"] == 2
        assert row["status"] == "graded"
    assert set(gradings_per_student(out).values()) == {1}  # nobody graded twice
    with open(out / "grades.csv", newline="") as file:
        ids = [row["student_id"] for row in csv.DictReader(file)]
    assert sorted(ids) == sorted(rows) and len(ids) == CLASS_SIZE
    assert runs(out)[-1] == (2, "finished")


def test_ctrl_c_stops_cleanly_and_keeps_what_finished(tmp_path):
    root, subs = slow_class(tmp_path)
    # One student loops forever: its student process is running at the Ctrl-C.
    add_folder(subs, "a-looper", {"activations.py": solution("activations", """
        def sigmoid(x):
            while True:
                pass
        """), "clipping.py": solution("clipping")})
    out = tmp_path / "out"
    tag = uuid.uuid4().hex
    env = {**__import__("os").environ, "RNNCOURSE_TEST_TAG": tag}
    process = start_grading(root, subs, out, "--jobs", "2", env=env)
    try:
        assert wait_for(lambda: finished_count(out) >= 5), "no student finished"
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=30)
    finally:
        process.kill()
    try:
        assert process.returncode == 130, stdout + stderr
        assert "Traceback" not in stdout + stderr
        assert "Interrupted" in stdout and "Run the same command again" in " ".join(stdout.split())
        finished = gradebook_rows(out)
        assert 5 <= len(finished) < CLASS_SIZE + 1
        assert runs(out) == [(1, "interrupted")]
        with open(out / "grades.csv", newline="") as file:
            table = {row["student_id"]: row for row in csv.DictReader(file)}
        assert len(table) == CLASS_SIZE + 1  # every student has a row, graded or pending
        for student_id, row in table.items():
            assert row["status"] == ("graded" if student_id in finished else "pending")
        assert wait_for(lambda: not processes_tagged(tag), seconds=5), \
            "judges, fork servers or student processes outlived the run"
    finally:
        kill_all(processes_tagged(tag))


@pytest.mark.parametrize("damage", ["garbage", "other-sqlite"])
def test_an_existing_file_that_is_not_a_gradebook_is_never_touched(tmp_path, damage):
    root = make_course(tmp_path / "course")
    subs = tmp_path / "submissions"
    add_folder(subs, "alice", full_class())
    out = tmp_path / "out"
    out.mkdir()
    path = out / "gradebook.sqlite"
    if damage == "garbage":
        path.write_bytes(b"these are someone's notes\n" * 100)
    else:
        with sqlite3.connect(path) as db:
            db.execute("CREATE TABLE marks (name TEXT, mark REAL)")
            db.execute("INSERT INTO marks VALUES ('alice', 17)")
        db.close()
    before = path.read_bytes()
    done = grade(root, subs, out)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"Error: '{path}' is not an rnncourse gradebook; move it away or choose another "
        "--out folder"]
    assert path.read_bytes() == before
    assert not (out / "grades.csv").exists()
