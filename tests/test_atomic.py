"""Whole files or none: the old content or the new, never half of either."""

import os

import pytest

from rnncourse import atomic


@pytest.fixture
def fsyncs(monkeypatch):
    calls = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (calls.append(fd), real(fd))[1])
    return calls


def test_a_durable_write_waits_for_the_disk(tmp_path, fsyncs):
    atomic.write_text(tmp_path / "a" / "grades.csv", "new\n")
    assert (tmp_path / "a" / "grades.csv").read_text() == "new\n" and len(fsyncs) == 1


def test_a_write_that_is_rebuilt_anyway_skips_the_wait(tmp_path, fsyncs):
    target = tmp_path / "feedback.md"
    target.write_text("old\n")
    atomic.write_text(target, "new\n", durable=False)
    assert target.read_text() == "new\n" and fsyncs == []
    assert [path.name for path in tmp_path.iterdir()] == ["feedback.md"]  # no temporary left


def test_an_interrupted_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "report.html"
    target.write_text("old\n")

    def fail(temporary):
        temporary.write_text("half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic.replace_with(target, fail)
    assert target.read_text() == "old\n"
    assert [path.name for path in tmp_path.iterdir()] == ["report.html"]
