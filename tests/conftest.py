"""Fixtures: the course, and student folders built from solutions or stubs with
some functions rewritten the way a student would write them. Plain helpers live
in helpers/ (import them from there, not from here)."""

from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path

import pytest
from helpers.course import ROOT, source_of

from rnncourse.course import manifest as course_module


@pytest.fixture(autouse=True)
def _private_status_store(tmp_path_factory, monkeypatch):
    """check and quiz record progress; keep it out of the checkout's .rnncourse/."""
    monkeypatch.setenv("RNNCOURSE_STATE_DIR", str(tmp_path_factory.mktemp("state")))


@pytest.fixture(scope="session")
def course():
    return course_module.load(ROOT)


@pytest.fixture(scope="session")
def fast_course(course):
    """The course with a short per-check time limit, for tests of runaway code."""
    return dataclasses.replace(course, policy=dataclasses.replace(course.policy,
                                                                  check_timeout=1.0))


@pytest.fixture
def student(tmp_path):
    """student(exercise, code, base="solutions") -> folder holding <exercise>.py:
    the base file (solutions, exercises, or "" for nothing) followed by ``code``,
    whose definitions replace the base's functions of the same names."""
    counter = iter(range(1_000_000))

    def make(exercise: str, code: str = "", base: str = "solutions") -> Path:
        folder = tmp_path / f"student{next(counter)}"
        folder.mkdir()
        text = source_of(exercise, base) if base else ""
        text += "\n\n# --- the student's version ---\n" + textwrap.dedent(code)
        (folder / f"{exercise}.py").write_text(text, encoding="utf-8")
        return folder

    return make
