"""Quiz answers and their grading: the API behind `rnncourse quiz --answers` and
class grading (`rnncourse grade` calls load_bank, read_answers, grade_answers).

An answers file maps question ids to answers, in TOML (to write by hand) or
JSON (to generate), chosen by the file's extension (the format, not the answers):

    vanishing-sigmoid-peak = 0.5           # a number
    lstm-block-slice = "a"                 # a choice, by its letter in the bank's order
    vanishing-exploding-signs = ["a", "c"]   # select all that apply
    lstm-no-clipping-needed = true         # true or false

A question that is missing, or answered with "", counts as unanswered (0 points).
An id the bank does not know costs only itself: it is reported (with a
did-you-mean), never graded, and the rest of the file is graded as usual.
Keys and answers are made safe as they are read (rnncourse.untrusted).

course.toml's [quiz] may make the graded quiz a part of the bank
(graded_questions): given ids, given topics, or N questions per topic drawn
with a fixed seed, so that every student of a class answers the same ones.
"""

from __future__ import annotations

import difflib
import json
import random
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from rnncourse import atomic, untrusted
from rnncourse.course import notes as notes_module
from rnncourse.course.manifest import Course
from rnncourse.errors import CourseError
from rnncourse.quiz import bank as quizbank
from rnncourse.quiz.bank import AnswerError, Bank, Question, parse_answer, toml_string

ANSWER_SUFFIXES = (".toml", ".json")


@dataclass
class QuizEntry:
    """One graded question."""

    id: str
    topic: str
    section: str
    kind: str
    difficulty: str
    correct: bool
    answered: bool
    points: float
    max_points: float
    explanation: str
    given: object = None  # the answer as written in the file
    problem: str | None = None  # why the answer could not be read, if it could not
    answer: object = None  # the right answer in answers-file form (None: a locked number)

    def to_dict(self) -> dict:
        return {
            "id": self.id, "topic": self.topic, "section": self.section, "kind": self.kind,
            "difficulty": self.difficulty, "correct": self.correct, "answered": self.answered,
            "points": self.points, "max_points": self.max_points,
            "explanation": self.explanation, "given": self.given, "problem": self.problem,
            "answer": self.answer,
        }


@dataclass(frozen=True)
class Unknown:
    """An id of the answers file that is no question of the bank."""

    id: str
    did_you_mean: str | None = None

    def __str__(self) -> str:
        return f"'{self.id}'" + (f" (did you mean '{self.did_you_mean}'?)"
                                 if self.did_you_mean else "")


@dataclass
class QuizResult:
    questions: list[QuizEntry] = field(default_factory=list)
    unknown: list[Unknown] = field(default_factory=list)  # ids the bank does not know
    outside: list[str] = field(default_factory=list)  # answered, but not in this quiz

    @property
    def problem(self) -> str:
        """What about the file cost points without being a wrong answer: unknown ids."""
        if not self.unknown:
            return ""
        count = len(self.unknown)
        listed = ", ".join(str(item) for item in self.unknown[:10])
        more = f" and {count - 10} more" if count > 10 else ""
        return (f"{count} unknown question id{'s' * (count != 1)}, not graded: "
                f"{listed}{more}")

    @property
    def score(self) -> float:
        return round(sum(entry.points for entry in self.questions), 9)

    @property
    def max_score(self) -> float:
        return round(sum(entry.max_points for entry in self.questions), 9)

    @property
    def passed(self) -> bool:
        return bool(self.questions) and all(entry.correct for entry in self.questions)

    def by_topic(self) -> dict[str, dict]:
        topics: dict[str, dict] = {}
        for entry in self.questions:
            topic = topics.setdefault(entry.topic, {"score": 0.0, "max_score": 0.0,
                                                    "correct": 0, "questions": 0})
            topic["score"] += entry.points
            topic["max_score"] += entry.max_points
            topic["correct"] += entry.correct
            topic["questions"] += 1
        return topics

    def to_dict(self) -> dict:
        return {
            "score": self.score,
            "max_score": self.max_score,
            "passed": self.passed,
            "topics": self.by_topic(),
            "questions": [entry.to_dict() for entry in self.questions],
            "unknown": [{"id": item.id, "did_you_mean": item.did_you_mean}
                        for item in self.unknown],
            "outside": list(self.outside),
            "problem": self.problem,
        }


def load_bank(course: Course) -> Bank:
    """The course's quiz bank ([quiz] bank in course.toml, plain or locked), validated,
    with every question's section checked against notes/."""
    notes = notes_module.load(course.notes_dir)
    return quizbank.load(course.quiz_bank, set(notes.section_ids))


def read_answers(path: Path, strict: bool = True) -> dict[str, object]:
    """Parse an answers file (.toml or .json): question id -> answer as written.
    Raises CourseError, one line naming the file, when it cannot be read, and
    (``strict``) when an entry is not an answer at all (a table, say); otherwise
    such an entry is kept, to be graded as an answer that cannot be read."""
    path = Path(path)
    if path.suffix.lower() not in ANSWER_SUFFIXES:
        raise CourseError(f"{path}: an answers file must end in .toml or .json")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CourseError(f"{path}: answers file not found") from None
    except (OSError, UnicodeDecodeError) as error:
        raise CourseError(f"{path}: cannot read ({error})") from None
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as error:
        kind = "JSON" if path.suffix.lower() == ".json" else "TOML"
        raise CourseError(f"{path}: not valid {kind} ({str(error).splitlines()[0]})") from None
    if not isinstance(data, dict):
        raise CourseError(f"{path}: expected a mapping of question ids to answers")
    # a student's file: lone surrogates ("\ud800" in JSON), escapes, megabytes
    data = cast(dict, untrusted.tree(data, untrusted.MAX_LINE))
    for key, value in data.items():
        if strict and not _plain_answer(value):
            raise CourseError(f"{path}: key '{key}': expected an answer (a letter, a list of "
                              "letters, true or false, or a number)")
    return data


def _plain_answer(value: object) -> bool:
    if isinstance(value, (str, bool, int, float)):
        return True
    return isinstance(value, list) and all(isinstance(item, (str, int)) and
                                           not isinstance(item, bool) for item in value)


def grade_answers(bank: Bank, answers: dict,
                  questions: list[Question] | None = None) -> QuizResult:
    """Grade ``answers`` (question id -> answer) on ``questions`` (default: the whole
    bank). Unanswered or unreadable answers score 0. An id the bank does not know
    costs only itself: it is listed in ``unknown``, with the closest id (most likely
    a typo of it, which then stays unanswered)."""
    graded = list(bank.questions if questions is None else questions)
    ids = {question.id for question in graded}
    result = QuizResult()
    for key in answers:
        if bank.question(key) is None:
            close = difflib.get_close_matches(key, [q.id for q in bank.questions], n=1)
            result.unknown.append(Unknown(key, close[0] if close else None))
        elif key not in ids:
            result.outside.append(key)
    for question in graded:
        result.questions.append(_grade_one(bank, question, answers.get(question.id)))
    return result


def _grade_one(bank: Bank, question: Question, given: object) -> QuizEntry:
    answered = given not in (None, "", [])
    correct, problem = False, None
    if answered:
        try:
            correct = bank.is_correct(question,
                                      parse_answer(question.kind, question.choices, given))
        except AnswerError as error:
            problem = str(error)
    right = bank.correct_response(question)
    return QuizEntry(
        id=question.id, topic=question.topic, section=question.section, kind=question.kind,
        difficulty=question.difficulty, correct=correct, answered=answered,
        points=question.points if correct else 0.0, max_points=question.points,
        explanation=question.explanation, given=given, problem=problem,
        answer=None if right is None else quizbank.format_answer(question, right),
    )


def graded_questions(course: Course, bank: Bank) -> list[Question]:
    """The questions of the graded quiz, as course.toml's [quiz] chooses them (the
    whole bank by default), in the bank's order. The same course always gives the
    same questions: a draw of N per topic is seeded by [quiz] seed and the topic.
    Raises CourseError, naming course.toml's key, for an id or topic the bank lacks."""
    config = course.quiz
    if config is None or not config.selects:
        return list(bank.questions)
    where = f"{course.manifest}: [quiz] key"
    if config.questions:
        known = {question.id for question in bank.questions}
        for question_id in config.questions:
            if question_id not in known:
                close = difflib.get_close_matches(question_id, sorted(known), n=1)
                raise CourseError(f"{where} 'questions': no question '{question_id}' in "
                                  f"{bank.path.name}"
                                  + (f"; did you mean '{close[0]}'?" if close else ""))
        return [question for question in bank.questions if question.id in config.questions]
    topics = list(config.topics) or bank.topics
    for topic in topics:
        if not any(topic in (question.topic, question.section) for question in bank.questions):
            close = difflib.get_close_matches(topic, bank.topics, n=1)
            raise CourseError(f"{where} 'topics': no question on '{topic}' in {bank.path.name}"
                              + (f"; did you mean '{close[0]}'?" if close else ""))
    chosen: set[str] = set()
    for topic in topics:
        pool = [question.id for question in bank.questions
                if topic in (question.topic, question.section)]
        if config.per_topic is not None and config.per_topic < len(pool):
            pool = random.Random(f"{config.seed}:{topic}").sample(pool, config.per_topic)
        chosen.update(pool)
    return [question for question in bank.questions if question.id in chosen]


def grade_file(course: Course, path: Path) -> QuizResult:
    """Load the course's bank and grade the answers file at ``path`` on all of it."""
    return grade_answers(load_bank(course), read_answers(path))


def select(bank: Bank, notes: notes_module.Notes, names: tuple[str, ...] | list[str]
           ) -> list[Question]:
    """The questions on the named topics or sections (all when none is named), in
    the order of the notes."""
    for name in names:
        if notes.topic(name) is None and notes.section(name) is None:
            raise notes.unknown(name, "topic or section")
        if not any(name in (question.topic, question.section) for question in bank.questions):
            raise CourseError(f"no quiz questions on '{name}' yet")
    order = {section_id: index for index, section_id in enumerate(notes.section_ids)}
    picked = [question for question in bank.questions
              if not names or question.topic in names or question.section in names]
    return sorted(picked, key=lambda question: order.get(question.section, len(order)))


def answer_key(bank: Bank, questions: list[Question]) -> dict[str, object]:
    """Question id -> right answer, in answers-file form (plain banks only)."""
    if bank.locked:
        raise CourseError(f"{bank.path}: this bank is locked, so it holds no answer key; "
                          "use the instructor's bank")
    # every question of a plain bank has its answer (load() requires it)
    return {q.id: quizbank.format_answer(q, cast(quizbank.Response, q.answer)) for q in questions}


def write_answers(path: Path, answers: dict[str, object], header: str = "") -> None:
    """Write an answers file (TOML or JSON by extension) that read_answers reads."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        text = json.dumps(answers, indent=2) + "\n"
    elif path.suffix.lower() == ".toml":
        lines = [f"# {line}".rstrip() for line in header.splitlines()]
        lines += [f"{key} = {toml_value(value)}" for key, value in answers.items()]
        text = "\n".join(lines) + "\n"
    else:
        raise CourseError(f"{path}: an answers file must end in .toml or .json")
    atomic.write_text(path, text)


def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    return toml_string(str(value))


TEMPLATE_HEADER = """\
Quiz answers for rnncourse. Write each answer after its '=' and grade with
    rnncourse quiz --answers THIS_FILE
  a choice:               "b"          (the letters shown in this file)
  select all that apply:  ["a", "c"]
  true or false:          true
  a number:               0.25         (or a fraction in quotes, "1/4")
Leave "" for a question you skip."""


def template_text(questions: list[Question]) -> str:
    """An answers file to fill in by hand: every question as a comment, every answer ""."""
    lines = [f"# {line}".rstrip() for line in TEMPLATE_HEADER.splitlines()]
    for question in questions:
        lines += ["", f"# --- {question.id}  ({question.section}, {question.difficulty}) ---"]
        lines += [f"# {line}".rstrip() for line in question.prompt.splitlines()]
        if question.code:
            lines += [f"#     {line}".rstrip() for line in question.code.splitlines()]
        if question.kind == "multiple":
            lines.append("# (select all that apply)")
        for index, choice in enumerate(question.options if question.choices else ()):
            lines.append(f"#   {quizbank.letter_of(index)}) {choice}")
        if question.kind == "truefalse":
            lines.append("# (true or false)")
        if question.kind == "numeric":
            lines.append(f"# (a number; within {question.tolerance:g} counts as right)")
        lines.append(f'{question.id} = ""')
    return "\n".join(lines) + "\n"
