"""The gradebook: one transaction per student, every grading kept, one run at a time."""

import sqlite3
import threading
import time

import pytest

from rnncourse.errors import CourseError
from rnncourse.grading.gradebook import Gradebook, Grading


def grading(student_id, status="graded", content="h1"):
    return Grading(student_id, status, "", content, "course", {"score": 1.0, "max_score": 2.0,
                                                               "exercises": []})


def test_gradebook_records_and_counts(tmp_path):
    with Gradebook.open(tmp_path) as book:
        book.start_run(tmp_path, {})
        book.record(grading("alice"))
        book.record(grading("bob", "invalid"))
        book.record(grading("alice", content="h2"))
        book.finish_run("finished")
        current = book.current()
    assert current["alice"].gradings == 2 and current["alice"].content_hash == "h2"
    assert current["bob"].gradings == 1 and current["bob"].status == "invalid"
    with sqlite3.connect(tmp_path / "gradebook.sqlite") as db:
        assert db.execute("SELECT count(*) FROM gradings").fetchone() == (3,)


def test_gradebook_is_for_one_run_at_a_time(tmp_path):
    with Gradebook.open(tmp_path):
        with pytest.raises(CourseError, match="another `rnncourse grade` is writing"):
            Gradebook.open(tmp_path)
    Gradebook.open(tmp_path).close()


def test_unfinished_runs_are_reported(tmp_path):
    with Gradebook.open(tmp_path) as book:
        book.start_run(tmp_path, {})
    with Gradebook.open(tmp_path) as book:
        book.start_run(tmp_path, {})
        assert [run.id for run in book.unfinished_runs()] == [1]


def test_text_that_sqlite_refuses_is_stored_escaped(tmp_path):
    with Gradebook.open(tmp_path) as book:
        book.start_run(tmp_path / "subs-\udcff", {})
        book.record(Grading("amy", "invalid", "bad \ud800 name \x1b[2J", "h", "c"))
        assert book.current()["amy"].reason == "bad \\ud800 name \\x1b[2J"


def test_a_full_disk_is_waited_out_and_never_corrupts_the_gradebook(tmp_path, monkeypatch):
    """DIR on a small filesystem that fills up: a write waits for room, and when
    none comes, fails without losing or damaging what was committed."""
    from helpers.disks import fill, small_filesystem

    from rnncourse.grading import gradebook

    with small_filesystem(tmp_path / "disk", "1m") as disk:
        with Gradebook.open(disk / "out") as book:
            book.start_run(disk, {})
            book.record(grading("alice"))
            filler = fill(disk)
            threading.Timer(1.0, filler.unlink).start()
            started = time.monotonic()
            for index in range(20):  # more than fits in the space left
                book.record(grading(f"s{index}"))
            assert time.monotonic() - started >= 0.9  # it waited for the room
            fill(disk)
            monkeypatch.setattr(gradebook, "DISK_PATIENCE", 0.5)
            with pytest.raises(sqlite3.OperationalError, match="full"):
                for index in range(200):
                    book.record(grading(f"t{index}", content="x" * 4000))
        with Gradebook.open(disk / "out") as book:
            current = book.current()
        assert {"alice", *(f"s{index}" for index in range(20))} <= set(current)
        with sqlite3.connect(disk / "out" / "gradebook.sqlite") as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
