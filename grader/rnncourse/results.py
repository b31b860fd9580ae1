"""The one result model: every command and export is built from these.

A check gives a CheckResult, an exercise an ExerciseResult, a folder of student
files a CourseResult. In class reports each student is a Row: a CourseResult,
a QuizScore and a Status. Statuses and check kinds are closed sets (enums whose
values are the strings stored in gradebooks and JSON).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from rnncourse import untrusted

if TYPE_CHECKING:
    from rnncourse.course.manifest import Course


# A hidden check's message, as students read it (feedback, Gradescope): one
# line of at most this many characters. Its cases are not shown, and text the
# student's code wrote could echo them (see checking/engine.py, _run_check).
HIDDEN_MESSAGE = 200
_STUDENT_ID = re.compile(r"[^\W_][\w.@+-]{0,63}")


def valid_student_id(student_id: str) -> bool:
    """Letters, digits and . _ - @ +, starting with a letter or digit, at most 64
    characters, not ending in a dot: safe as a file name on every system."""
    return bool(_STUDENT_ID.fullmatch(student_id)) and not student_id.endswith(".")


class Status(StrEnum):
    """Where a student of a class stands."""

    GRADED = "graded"  # every check ran
    TIMEOUT = "timeout"  # stopped at the per-student time limit; checks not run score 0
    INVALID = "invalid"  # the submission could not be read: scores 0, with the reason
    ERROR = "error"  # the grader itself failed: not scored, retried on the next run
    PENDING = "pending"  # not graded yet

    @property
    def scored(self) -> bool:
        """Has a score, and keeps it while the files and the course are unchanged."""
        return self in SCORED


SCORED = frozenset({Status.GRADED, Status.TIMEOUT, Status.INVALID})


class Kind(StrEnum):
    """How a check ended, with the label reports show for it."""

    PASS = "pass"
    FAIL = "fail"
    NOT_IMPLEMENTED = "not-implemented"
    TIMEOUT = "timeout"
    CRASH = "crash"
    IMPORT = "import"
    MISSING = "missing"
    EXCEPTION = "exception"
    EXIT = "exit"
    MEMORY = "memory"
    TOO_LARGE = "too-large"
    STALE = "stale"
    PROTOCOL = "protocol"
    INTERNAL = "internal"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS = {
    Kind.PASS: "passed", Kind.FAIL: "wrong result", Kind.NOT_IMPLEMENTED: "not implemented",
    Kind.TIMEOUT: "time limit", Kind.CRASH: "process ended", Kind.IMPORT: "import failed",
    Kind.MISSING: "file missing", Kind.EXCEPTION: "raised an exception",
    Kind.EXIT: "called sys.exit", Kind.MEMORY: "out of memory",
    Kind.TOO_LARGE: "result too large", Kind.STALE: "stale cache",
    Kind.PROTOCOL: "malformed reply", Kind.INTERNAL: "internal error",
}


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
    kind: str = Kind.PASS  # a Kind
    output: str = ""  # what the student's code printed, truncated
    # the seed of the check's random draws (checking/engine.py, _seed): what
    # `rnncourse grade --replay` runs it again with; None for a check not run
    seed: int | None = None

    def feedback_message(self) -> str:
        """The message as a student may read it: made safe, and for a hidden
        check one line of at most HIDDEN_MESSAGE characters."""
        if self.hidden:
            return untrusted.line(self.message, HIDDEN_MESSAGE)
        return untrusted.text(self.message)

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
            "seed": self.seed,
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

    @property
    def not_handed_in(self) -> bool:
        """Its file was missing: every check failed for that one reason."""
        return bool(self.checks) and all(check.kind == Kind.MISSING for check in self.checks)

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


@dataclass(frozen=True)
class QuizScore:
    """A student's quiz in class grading."""

    score: float
    max_score: float
    detail: dict = field(default_factory=dict)  # the quiz module's QuizResult.to_dict()
    problem: str = ""  # why the score is what it is when no answers could be graded
    counted: bool = True  # False: reported, not part of the score ([quiz] points = 0)

    def to_dict(self) -> dict:
        return {"score": self.score, "max_score": self.max_score, "detail": self.detail,
                "problem": self.problem, "counted": self.counted}

    @classmethod
    def from_dict(cls, data: dict) -> QuizScore:
        return cls(float(data["score"]), float(data["max_score"]), data.get("detail") or {},
                   data.get("problem") or "", bool(data.get("counted", True)))


@dataclass
class Row:
    """One student in a class report (`rnncourse grade`, `rnncourse nbgrader report`)."""

    student_id: str
    result: CourseResult | None
    quiz: QuizScore | None = None
    status: str = Status.GRADED
    reason: str = ""
    graded_at: str = ""
    seconds: float = 0.0  # how long its grading took
    # How the submission's files were read, where that is not the plain layout
    # (grading/matching.py): a folder, a copy-suffixed name, files not graded.
    notes: list[str] = field(default_factory=list)

    @property
    def scored(self) -> bool:
        return self.status in SCORED

    @property
    def _quiz_counted(self) -> QuizScore | None:
        return self.quiz if self.quiz is not None and self.quiz.counted else None

    def exercise(self, exercise_id: str) -> ExerciseResult | None:
        """The exercise's result, when the student has a score."""
        if self.result is None or not self.scored:
            return None
        return next((e for e in self.result.exercises if e.id == exercise_id), None)

    def score(self) -> float | None:
        """Exercises plus quiz; 0 for a submission that could not be read,
        None while the student has no grade."""
        if not self.scored:
            return None
        exercises = self.result.score if self.result is not None else 0.0
        quiz = self._quiz_counted
        return round(exercises + (quiz.score if quiz else 0.0), 6)

    def max_score(self, course: Course) -> float:
        exercises = self.result.max_score if self.result is not None else course.required_points
        quiz = self._quiz_counted
        return round(exercises + (quiz.max_score if quiz else 0.0), 6)

    def extra_credit(self) -> float:
        """The points of optional exercises (never part of the maximum)."""
        if not self.scored or self.result is None:
            return 0.0
        return round(sum(e.score for e in self.result.exercises if e.optional), 6)

    def percent(self, course: Course) -> float | None:
        """The share of the maximum earned without extra credit, in percent (so at
        most 100); None while the student has no grade."""
        score, maximum = self.score(), self.max_score(course)
        if score is None:
            return None
        return 100.0 * (score - self.extra_credit()) / maximum if maximum else 0.0

    def remarks(self) -> str:
        """Why the student lost points, in a line. An optional exercise that earned
        nothing (not handed in, not started) is no lost point and goes unmentioned."""
        if self.status != Status.GRADED and self.reason:
            return self.reason
        reasons: dict[str, list[str]] = {}  # one reason, the exercises it holds for
        for exercise in self.result.exercises if self.result else []:
            if exercise.passed or (exercise.optional and exercise.score == 0):
                continue  # extra credit not earned is no point lost
            failing = next((c for c in exercise.checks if not c.passed), None)
            if exercise.checks and all(c.kind == Kind.NOT_IMPLEMENTED for c in exercise.checks):
                why = "not started (every function raises NotImplementedError)"
            else:
                why = exercise.problem or (failing.message if failing else "")
            reasons.setdefault(shorten(why), []).append(
                exercise.id + " (optional)" * exercise.optional)
        parts = [f"{', '.join(ids)}: {why}" for why, ids in reasons.items()]
        if self.quiz and self.quiz.problem:
            parts.append(f"quiz: {shorten(self.quiz.problem)}")
        return "; ".join(parts)


def shorten(text: str, limit: int = 200) -> str:
    """``text`` on one line, cut to ``limit`` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
