"""What a judge sends back for one student: the one shape of a judge's reply,
built by the judge (judge.py) or, when the judge died, by the pool (pool.py)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from rnncourse.results import Status


@dataclass
class JudgeReply:
    student_id: str
    status: str = Status.GRADED
    reason: str = ""
    content_hash: str = ""  # empty: the orchestrator's hash of the submission stands
    result: dict | None = None  # CourseResult.to_dict()
    quiz: dict | None = None  # QuizScore.to_dict()
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> JudgeReply:
        return cls(str(data["student_id"]), str(data["status"]), str(data.get("reason") or ""),
                   str(data.get("content_hash") or ""), data.get("result"), data.get("quiz"),
                   float(data.get("seconds") or 0.0))
