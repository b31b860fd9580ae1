"""The one result model: every command and export is built from these."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class CheckResult:
    id: str
    function: str
    passed: bool
    points: float
    max_points: float
    message: str = ""
    misconception: str | None = None
    hint: str | None = None
    notes: str | None = None
    hidden: bool = False
    kind: str = "pass"  # pass, fail, error (the student's code raised), timeout, crash, ...
    output: str = ""  # what the student's code printed, truncated

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "function": self.function,
            "passed": self.passed,
            "points": _points(self.points),
            "max_points": _points(self.max_points),
            "message": self.message,
            "misconception": self.misconception,
            "hint": self.hint,
            "notes": self.notes,
            "hidden": self.hidden,
            "kind": self.kind,
            "output": self.output,
        }

    @classmethod
    def from_dict(cls, data: dict) -> CheckResult:
        return cls(**{key: data[key] for key in data if key in cls.__dataclass_fields__})


@dataclass
class ExerciseResult:
    id: str
    title: str
    max_score: float
    checks: list[CheckResult] = field(default_factory=list)
    notes: str | None = None
    problem: str | None = None  # why nothing could be checked (missing file, ...)
    optional: bool = False  # extra credit: not in the course's maximum, never required

    @property
    def score(self) -> float:
        return round(sum(check.points for check in self.checks), 9)

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(check.passed for check in self.checks)

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "score": _points(self.score),
            "max_score": _points(self.max_score),
            "notes": self.notes,
            "problem": self.problem,
            "optional": self.optional,
            "checks": [check.to_dict() for check in self.checks],
        }

    @classmethod
    def from_dict(cls, data: dict) -> ExerciseResult:
        return cls(
            id=data["id"], title=data["title"], max_score=data["max_score"],
            checks=[CheckResult.from_dict(check) for check in data["checks"]],
            notes=data.get("notes"), problem=data.get("problem"),
            optional=data.get("optional", False),
        )


@dataclass
class CourseResult:
    exercises: list[ExerciseResult] = field(default_factory=list)
    hidden_included: bool = False

    @property
    def score(self) -> float:
        """All points earned, optional exercises (extra credit) included."""
        return round(sum(exercise.score for exercise in self.exercises), 9)

    @property
    def max_score(self) -> float:
        """The points of the required exercises: optional ones are extra credit."""
        return sum(exercise.max_score for exercise in self.exercises if not exercise.optional)

    @property
    def passed(self) -> bool:
        """Every required exercise passes (optional ones never hold a student back)."""
        return all(exercise.passed for exercise in self.exercises if not exercise.optional)

    def to_dict(self) -> dict:
        return {
            "score": _points(self.score),
            "max_score": _points(self.max_score),
            "hidden_included": self.hidden_included,
            "exercises": [exercise.to_dict() for exercise in self.exercises],
        }

    @classmethod
    def from_dict(cls, data: dict) -> CourseResult:
        return cls(
            exercises=[ExerciseResult.from_dict(item) for item in data["exercises"]],
            hidden_included=data.get("hidden_included", False),
        )


def _points(value: float) -> float:
    """Points as JSON numbers: rounded so that 10/3-point checks still add up cleanly."""
    return round(float(value), 6)
