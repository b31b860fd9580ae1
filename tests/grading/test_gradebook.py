"""The gradebook: one transaction per student, every grading kept, one run at a time."""

import sqlite3

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
