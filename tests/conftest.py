"""Shared helpers: the course, and student folders built from solutions or stubs
with some functions rewritten the way a student would write them."""

from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path

import pytest

from rnncourse.checking import engine
from rnncourse.checking.spec import collect
from rnncourse.course import manifest as course_module
from rnncourse.results import ExerciseResult

ROOT = Path(__file__).resolve().parent.parent


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


def source_of(exercise: str, base: str = "solutions") -> str:
    return (ROOT / base / f"{exercise}.py").read_text(encoding="utf-8")


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


def check(course, folder: Path, exercise: str, hidden: bool = False) -> ExerciseResult:
    return engine.run_exercise(course, course.exercise(exercise), folder, hidden)


def by_id(result: ExerciseResult) -> dict:
    return {c.id: c for c in result.checks}


def failing(result: ExerciseResult) -> dict:
    return {c.id: c for c in result.checks if not c.passed}


def full_marks(result: ExerciseResult) -> bool:
    return result.passed and abs(result.score - result.max_score) < 1e-9


def public_points(course, exercise_ids=None) -> float:
    """The points of the public checks, computed here independently of
    scoring.py: a check is worth its weight's share of its exercise's points
    among all checks, hidden ones included. Without ``exercise_ids``: the
    required exercises (optional ones are extra credit)."""
    total = 0.0
    exercises = course.select(exercise_ids) if exercise_ids else [
        exercise for exercise in course.exercises if not exercise.optional]
    for exercise in exercises:
        specs = collect(exercise)
        weight = sum(spec.weight for spec in specs)
        total += exercise.points * sum(s.weight for s in specs if not s.hidden) / weight
    return total
