"""Helpers shared by the tests: the course checkout, student folders and results."""

from __future__ import annotations

from pathlib import Path

from rnncourse.checking import engine
from rnncourse.checking.spec import collect
from rnncourse.results import ExerciseResult

ROOT = Path(__file__).resolve().parents[2]


def source_of(exercise: str, base: str = "solutions") -> str:
    return (ROOT / base / f"{exercise}.py").read_text(encoding="utf-8")


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
