"""What a judge sends back for one student: the one shape of a judge's reply,
built by the judge (judge.py) or, when the judge died, by the pool (pool.py)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import cast

from rnncourse import untrusted
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
    # The grader's machine failed this student (its copy could not be written:
    # a full disk): grade it again, later in the run or on the next.
    retry: bool = False

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> JudgeReply:
        """The reply as the orchestrator keeps it: every string in it, of the
        result and the quiz too, made safe to store and write (untrusted.tree),
        whatever reached the judge unsanitised."""
        result, quiz = data.get("result"), data.get("quiz")
        return cls(str(data["student_id"]), str(data["status"]),
                   untrusted.text(data.get("reason") or ""),
                   str(data.get("content_hash") or ""),
                   cast(dict, untrusted.tree(result)) if isinstance(result, dict) else None,
                   cast(dict, untrusted.tree(quiz)) if isinstance(quiz, dict) else None,
                   float(data.get("seconds") or 0.0), bool(data.get("retry")))
