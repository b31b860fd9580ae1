"""Quiz answers in class grading: a thin adapter over ``rnncourse.quiz``.

The quiz module provides ``load_bank(course)``, ``graded_questions(course,
bank)``, ``read_answers(path, strict) -> dict`` and ``grade_answers(bank,
answers, questions) -> QuizResult`` with ``score``, ``max_score``, ``problem``
and ``to_dict()``. This adapter is all that class
grading knows of it: when the module is not installed, quizzes are simply not
graded and the reports say so.

A student's answers are the file ``quiz_answers.toml`` (or, failing that,
``quiz_answers.json``) at the top of the submission, in the format that
``rnncourse quiz --answers`` reads. The file is the student's: whatever the
quiz module makes of it, every string that comes back (the problem, each
answer as given) is made safe here (rnncourse.untrusted) before it is stored.
"""

from __future__ import annotations

import importlib
import json
import math
import types
from pathlib import Path
from typing import Any, cast

from rnncourse import untrusted
from rnncourse.errors import CourseError
from rnncourse.results import QuizScore

ANSWER_FILES = ("quiz_answers.toml", "quiz_answers.json")
MODULE = "rnncourse.quiz"


class QuizGrader:
    """Grades the answers file of one submission folder against the bank.

    Only ``questions`` count (course.toml's [quiz] may choose a part of the
    bank; None: the whole bank). With ``points`` (course.toml's [quiz] points)
    the score is scaled to it, points * right / questions, rounded to
    hundredths; with 0 the quiz is reported (one point per question) but not
    counted in the student's score. ``maximum`` is what the quiz is out of for
    every student of the class, whatever their file holds or fails to.
    """

    def __init__(self, module: types.ModuleType, bank: object, points: float = 0.0,
                 questions: list | None = None) -> None:
        self.module = module
        self.bank = bank
        self.points = points
        self.questions = questions

    def _grade(self, answers: dict) -> Any:  # the quiz module's QuizResult
        if self.questions is None:
            return self.module.grade_answers(self.bank, answers)
        return self.module.grade_answers(self.bank, answers, self.questions)

    @property
    def maximum(self) -> float:
        """What the quiz is out of (0 when even that cannot be found)."""
        if self.points:
            return self.points
        try:
            return float(self._grade({}).max_score)
        except Exception:  # noqa: BLE001 - a broken quiz module: nothing to be out of
            return 0.0

    def score(self, score: float = 0.0, detail: dict | None = None, problem: str = ""
              ) -> QuizScore:
        """A QuizScore of this quiz: ``score`` out of ``maximum``."""
        return QuizScore(score, self.maximum, detail or {}, problem, counted=self.points > 0)

    def grade(self, folder: Path) -> QuizScore:
        found = next((folder / name for name in ANSWER_FILES if (folder / name).is_file()), None)
        answers: dict = {}
        problem = ""
        if found is None:
            # nothing answered: no per-question detail worth storing for every student
            return self.score(problem=f"no quiz answers file ({' or '.join(ANSWER_FILES)})")
        try:
            answers = self.module.read_answers(found, strict=False)
            if not isinstance(answers, dict):
                raise TypeError(f"expected a table of answers, got {type(answers).__name__}")
            answers = cast(dict, untrusted.tree(answers, untrusted.MAX_LINE))
        except Exception as error:  # noqa: BLE001 - any unreadable file scores 0
            answers, problem = {}, f"{found.name} could not be read ({_reason(error)})"
        try:
            result = self._grade(answers)
            score, max_score = float(result.score), float(result.max_score)
            if not (math.isfinite(score) and math.isfinite(max_score) and 0 <= score <= max_score):
                raise ValueError(f"score {score} out of {max_score}")
            detail = result.to_dict() if callable(getattr(result, "to_dict", None)) else {}
            detail = untrusted.tree(detail)
            json.dumps(detail)
            problem = problem or untrusted.line(getattr(result, "problem", "") or "")
        except Exception as error:  # noqa: BLE001 - the quiz grader's bug must not stop a run
            # still out of the quiz's points: an unreadable file must not drop the quiz
            # from the maximum, which would raise the student's percentage
            return self.score(problem=f"the quiz could not be graded ({_reason(error)})")
        if self.points and max_score > 0:
            score = round(self.points * score / max_score, 2)
        return self.score(score, detail if isinstance(detail, dict) else {}, problem)


def load(course: object, module_name: str = MODULE) -> tuple[QuizGrader | None, str]:
    """The quiz grader for ``course``, or None and the reason quizzes are not graded."""
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name and module_name.startswith(error.name):
            return None, "Quizzes are not graded: this rnncourse has no quiz module"
        return None, f"Quizzes are not graded: {module_name} cannot be imported ({error})"
    except Exception as error:  # noqa: BLE001 - a broken quiz module: grade the exercises anyway
        return None, f"Quizzes are not graded: {module_name} cannot be imported ({_reason(error)})"
    missing = [name for name in ("load_bank", "read_answers", "grade_answers")
               if not callable(getattr(module, name, None))]
    if missing:
        return None, f"Quizzes are not graded: {module_name} has no {', '.join(missing)}"
    try:
        bank = module.load_bank(course)
    except Exception as error:  # noqa: BLE001 - a broken bank: grade the exercises anyway
        return None, f"Quizzes are not graded: the quiz bank could not be loaded ({_reason(error)})"
    quiz = getattr(course, "quiz", None)
    questions = None
    if callable(getattr(module, "graded_questions", None)):
        try:
            questions = list(module.graded_questions(course, bank))
        except CourseError:
            raise  # [quiz] names a question or topic the bank lacks: the instructor's to fix
        except Exception as error:  # noqa: BLE001 - a broken quiz module: grade the exercises
            return None, f"Quizzes are not graded: {_reason(error)}"
    return QuizGrader(module, bank, getattr(quiz, "points", 0.0) or 0.0, questions), ""


def _reason(error: BaseException) -> str:
    return untrusted.line(f"{type(error).__name__}: {error}")
