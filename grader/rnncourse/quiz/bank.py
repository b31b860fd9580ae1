"""The quiz bank: questions tied to notes sections, validated on load.

A bank is a TOML file of ``[[question]]`` tables. The instructor's copy holds
plain answers; a *locked* copy (``rnncourse quiz --lock``) holds instead a
salted hash of each normalised answer and a scrambled explanation, so a student
cannot read the key off the file. Grading works from either copy and gives the
same result, because both compare the same normalised form of an answer.

Answers, in the bank and in answers files, name choices by letter in the order
the bank lists them (``"b"``; ``["a", "c"]`` for select-all questions), true or
false, or a number.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import math
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypedDict, cast, overload

from rnncourse.course.manifest import read_toml
from rnncourse.course.notes import SECTION_ID
from rnncourse.errors import CourseError

KINDS = ("single", "multiple", "truefalse", "numeric", "wrong-line")
CHOICE_KINDS = ("single", "multiple", "wrong-line")
DIFFICULTIES = ("easy", "medium", "hard")
LETTERS = "abcdefgh"
QUESTION_ID = re.compile(r"^[a-z][a-z0-9-]*$")
LOCK_VERSION = 1
# A numeric answer v is right when |v - answer| <= tolerance. Both copies
# compare v and the answer on a grid of tolerance / STEPS, which a hash can do.
STEPS = 100

_COMMON_KEYS = {"id", "section", "kind", "difficulty", "prompt", "code", "points"}
_PLAIN_KEYS = _COMMON_KEYS | {"choices", "answer", "tolerance", "explanation"}
_LOCKED_KEYS = _COMMON_KEYS | {"choices", "answer_hash", "tolerance", "explanation_sealed"}

# A choice index, a set of them, true/false, a number. Which of these a response is
# follows from its question's kind (parse_answer makes the one for the kind); code
# that branches on the kind casts the response to it.
Response = int | frozenset[int] | bool | float


@dataclass(frozen=True)
class Question:
    id: str
    section: str
    kind: str
    difficulty: str
    prompt: str
    explanation: str
    choices: tuple[str, ...] = ()
    code: str | None = None
    tolerance: float | None = None
    points: float = 1.0
    answer: Response | None = None  # the plain answer; None in a locked bank
    answer_hash: str | None = None  # the salted hash; None in a plain bank

    @property
    def topic(self) -> str:
        return self.section.split(".", 1)[0]

    @property
    def options(self) -> tuple[str, ...]:
        """What the student picks from: the choices, or True/False."""
        return ("True", "False") if self.kind == "truefalse" else self.choices


@dataclass(frozen=True)
class Bank:
    path: Path
    questions: tuple[Question, ...]
    salt: str | None = None  # set in a locked bank

    @property
    def locked(self) -> bool:
        return self.salt is not None

    @property
    def topics(self) -> list[str]:
        return list(dict.fromkeys(question.topic for question in self.questions))

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    def is_correct(self, question: Question, response: Response) -> bool:
        """Whether ``response`` (already parsed for the question's kind) is right."""
        if question.kind == "numeric":
            return self._numeric_correct(question, float(cast(float, response)))
        text = normalised(question, response)
        if self.salt is None:
            assert question.answer is not None  # load() requires it in a plain bank
            return text == normalised(question, question.answer)
        return answer_digest(self.salt, question.id, text) == question.answer_hash

    def correct_response(self, question: Question) -> Response | None:
        """The right answer, to show after a wrong one. A locked bank finds it by
        trying each choice (a finite set); a locked number stays unknown (None)."""
        if not self.locked:
            return question.answer
        if question.kind == "numeric":
            return None
        for candidate in _candidates(question):
            if self.is_correct(question, candidate):
                return candidate
        return None

    def _numeric_correct(self, question: Question, value: float) -> bool:
        tolerance = cast(float, question.tolerance)  # load() requires it on numeric questions
        step = _grid_index(value, tolerance)
        if step is None:
            return False
        if self.salt is None:
            answer = _grid_index(cast(float, question.answer), tolerance)
            return answer is not None and abs(step - answer) <= STEPS
        return any(answer_digest(self.salt, question.id, str(step + offset))
                   == question.answer_hash for offset in range(-STEPS, STEPS + 1))


def normalised(question: Question, response: Response) -> str:
    """The canonical text of an answer: what a locked bank hashes."""
    if question.kind in ("single", "wrong-line"):
        return _clean(question.choices[cast(int, response)])
    if question.kind == "multiple":
        return "\n".join(sorted(_clean(question.choices[index])
                                for index in cast(frozenset[int], response)))
    if question.kind == "truefalse":
        return "true" if response else "false"
    return str(_grid_index(cast(float, response), cast(float, question.tolerance)))


def answer_digest(salt: str, question_id: str, text: str) -> str:
    material = f"rnncourse-quiz\0{salt}\0{question_id}\0{text}"
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def _clean(text: str) -> str:
    return " ".join(text.split()).casefold()


def _grid_index(value: float, tolerance: float) -> int | None:
    scaled = value / (tolerance / STEPS)
    if not math.isfinite(scaled) or abs(scaled) > 2.0 ** 52:
        return None
    return round(scaled)


def _candidates(question: Question) -> Iterable[Response]:
    if question.kind == "truefalse":
        return (True, False)
    if question.kind == "multiple":
        indices = range(len(question.choices))
        return (frozenset(combo) for size in range(1, len(indices) + 1)
                for combo in itertools.combinations(indices, size))
    return range(len(question.choices))


def letter_of(index: int) -> str:
    return LETTERS[index]


def format_answer(question: Question, response: Response) -> str | list[str] | bool | float:
    """A response in answers-file form: "b", ["a", "c"], true, or a number."""
    if question.kind in ("single", "wrong-line"):
        return letter_of(cast(int, response))
    if question.kind == "multiple":
        return [letter_of(index) for index in sorted(cast(frozenset[int], response))]
    if question.kind == "truefalse":
        return bool(response)
    number = float(cast(float, response))
    return int(number) if number.is_integer() and abs(number) < 1e15 else number


# --- loading and validation -------------------------------------------------------------


def load(path: Path, sections: set[str] | None = None) -> Bank:
    """Read and validate the bank at ``path``; with ``sections``, every question must
    point at one of them. The first problem is raised as one CourseError line."""
    data = read_toml(path, missing="quiz bank not found")
    unknown = set(data) - {"question", "lock"}
    if unknown:
        raise CourseError(f"{path}: unknown top-level key '{sorted(unknown)[0]}'")
    salt = _parse_lock(path, data.get("lock"))
    entries = data.get("question")
    if not isinstance(entries, list) or not entries:
        raise CourseError(f"{path}: expected [[question]] tables")
    questions = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        question = _Reader(path, index, entry, salt).question()
        if question.id in seen:
            raise CourseError(f"{path}: question id '{question.id}' appears twice")
        if sections is not None and question.section not in sections:
            raise CourseError(f"{path}: question '{question.id}' key 'section': no notes "
                              f"section '{question.section}'")
        seen.add(question.id)
        questions.append(question)
    return Bank(path=path, questions=tuple(questions), salt=salt)


def _parse_lock(path: Path, table: object) -> str | None:
    if table is None:
        return None
    if not isinstance(table, dict) or table.get("version") != LOCK_VERSION:
        raise CourseError(f"{path}: [lock] must hold version = {LOCK_VERSION} and a salt")
    salt = table.get("salt")
    if not isinstance(salt, str) or not re.fullmatch(r"[0-9a-f]{32,}", salt):
        raise CourseError(f"{path}: [lock] key 'salt': expected 32 or more hex digits")
    return salt


class _Fields(TypedDict):
    """The fields of a Question that plain and locked banks share."""

    id: str
    section: str
    kind: str
    difficulty: str
    prompt: str
    choices: tuple[str, ...]
    code: str | None
    tolerance: float | None
    points: float


class _Reader:
    """Validates one [[question]] table; every error names the file, question and key."""

    def __init__(self, path: Path, index: int, entry: object, salt: str | None):
        self.path, self.salt = path, salt
        self.where = f"question #{index + 1}"
        if not isinstance(entry, dict):
            raise CourseError(f"{path}: {self.where}: expected a [[question]] table")
        self.entry = entry

    def fail(self, key: str, problem: str) -> CourseError:
        return CourseError(f"{self.path}: {self.where} key '{key}': {problem}")

    @overload
    def text(self, key: str, required: Literal[True] = True) -> str: ...
    @overload
    def text(self, key: str, required: bool) -> str | None: ...

    def text(self, key: str, required: bool = True) -> str | None:
        value = self.entry.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, "expected a non-empty string")
        return value.strip()

    def question(self) -> Question:
        question_id = self.text("id")
        if not QUESTION_ID.match(question_id) or len(question_id) > 60:
            raise self.fail("id", "use lowercase letters, digits and '-' (at most 60)")
        self.where = f"question '{question_id}'"
        allowed = _PLAIN_KEYS if self.salt is None else _LOCKED_KEYS
        unknown = set(self.entry) - allowed
        if unknown:
            key = sorted(unknown)[0]
            if key in ("answer", "answer_hash", "explanation", "explanation_sealed"):
                state = "locked" if self.salt else "plain (not locked)"
                raise self.fail(key, f"not allowed in a {state} bank")
            raise self.fail(key, "unknown key")
        section = self.text("section")
        if not SECTION_ID.match(section):
            raise self.fail("section", "expected a notes section id like 'lstm.gates'")
        kind = self.text("kind")
        if kind not in KINDS:
            raise self.fail("kind", f"expected one of {', '.join(KINDS)}")
        difficulty = self.text("difficulty")
        if difficulty not in DIFFICULTIES:
            raise self.fail("difficulty", f"expected one of {', '.join(DIFFICULTIES)}")
        code = self.text("code", required=kind == "wrong-line")
        choices = self._choices(kind)
        tolerance = self._tolerance(kind)
        points = self.entry.get("points", 1.0)
        if isinstance(points, bool) or not isinstance(points, (int, float)) or points <= 0:
            raise self.fail("points", "expected a positive number")
        fields = _Fields(id=question_id, section=section, kind=kind, difficulty=difficulty,
                         prompt=self.text("prompt"), choices=choices, code=code,
                         tolerance=tolerance, points=float(points))
        if self.salt is None:
            answer = self._answer(kind, choices)
            return Question(**fields, explanation=self.text("explanation"), answer=answer)
        digest = self.text("answer_hash")
        if not re.fullmatch(r"[0-9a-f]{64}", digest):
            raise self.fail("answer_hash", "expected a sha256 hex digest")
        explanation = unseal(self.salt, question_id, self.text("explanation_sealed"))
        if explanation is None:
            raise self.fail("explanation_sealed", "cannot be unsealed with this bank's salt")
        return Question(**fields, explanation=explanation, answer_hash=digest)

    def _choices(self, kind: str) -> tuple[str, ...]:
        value = self.entry.get("choices")
        if kind not in CHOICE_KINDS:
            if value is not None:
                raise self.fail("choices", f"not used by {kind} questions")
            return ()
        if (not isinstance(value, list) or not 2 <= len(value) <= len(LETTERS)
                or not all(isinstance(choice, str) and choice.strip() for choice in value)):
            raise self.fail("choices", f"expected 2 to {len(LETTERS)} non-empty strings")
        if len({_clean(choice) for choice in value}) != len(value):
            raise self.fail("choices", "two choices are the same")
        return tuple(choice.strip() for choice in value)

    def _tolerance(self, kind: str) -> float | None:
        value = self.entry.get("tolerance")
        if kind != "numeric":
            if value is not None:
                raise self.fail("tolerance", "only numeric questions have a tolerance")
            return None
        if (isinstance(value, bool) or not isinstance(value, (int, float))
                or not math.isfinite(value) or value <= 0):
            raise self.fail("tolerance", "expected a positive number")
        return float(value)

    def _answer(self, kind: str, choices: tuple[str, ...]) -> Response:
        value = self.entry.get("answer")
        if value is None:
            raise self.fail("answer", "missing")
        try:
            answer = parse_answer(kind, choices, value)
        except AnswerError as error:
            raise self.fail("answer", str(error)) from None
        if kind == "numeric" and _grid_index(cast(float, answer), self.entry["tolerance"]) is None:
            raise self.fail("answer", "too large for its tolerance")
        return answer


# --- answers: from a file, or typed at the prompt ---------------------------------------


class AnswerError(ValueError):
    """An answer that cannot be read for its question's kind."""


TRUE_WORDS = {"true", "t", "yes", "y"}
FALSE_WORDS = {"false", "f", "no", "n"}


def parse_answer(kind: str, choices: tuple[str, ...], value: object) -> Response:
    """A written answer (as in the bank or an answers file) as a Response.
    Choices are letters in bank order ("b") or 1-based numbers (2)."""
    if kind in ("single", "wrong-line"):
        return choice_index(value, len(choices))
    if kind == "multiple":
        items = split_choices(value) if isinstance(value, str) else value
        if not isinstance(items, list) or not items:
            raise AnswerError("expected a list of letters such as [\"a\", \"c\"]")
        picked = frozenset(choice_index(item, len(choices)) for item in items)
        if len(picked) != len(items):
            raise AnswerError("a choice is listed twice")
        return picked
    if kind == "truefalse":
        if isinstance(value, bool):
            return value
        word = str(value).strip().lower() if isinstance(value, str) else None
        if word in TRUE_WORDS or word in FALSE_WORDS:
            return word in TRUE_WORDS
        raise AnswerError("expected true or false")
    return parse_number(value)


def choice_index(value: object, count: int) -> int:
    span = f"a-{LETTERS[count - 1]} or 1-{count}"
    if isinstance(value, bool):
        raise AnswerError(f"expected a choice, {span}")
    if isinstance(value, int):
        index = value - 1
    elif isinstance(value, str):
        token = value.strip().strip("().").lower()
        if len(token) == 1 and token in LETTERS:
            index = LETTERS.index(token)
        elif token.isdigit():
            index = int(token) - 1
        else:
            raise AnswerError(f"'{value}' is not a choice; expected {span}")
    else:
        raise AnswerError(f"expected a choice, {span}")
    if not 0 <= index < count:
        raise AnswerError(f"'{value}' is out of range; expected {span}")
    return index


def split_choices(text: str) -> list[str]:
    tokens = [token for token in re.split(r"[\s,;]+", text.strip()) if token]
    if len(tokens) == 1 and tokens[0].isalpha() and len(tokens[0]) > 1:
        return list(tokens[0])  # "ac" means a and c
    return tokens


def parse_number(value: object) -> float:
    if isinstance(value, bool):
        raise AnswerError("expected a number")
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        text = value.strip().replace(" ", "")
        try:
            if "/" in text:  # a fraction such as 1/4
                top, bottom = text.split("/", 1)
                number = float(top) / float(bottom)
            else:
                number = float(text)
        except (ValueError, ZeroDivisionError):
            raise AnswerError(f"'{value}' is not a number") from None
    else:
        raise AnswerError("expected a number")
    if not math.isfinite(number):
        raise AnswerError("expected a finite number")
    return number


# --- locking ----------------------------------------------------------------------------


def _keystream(salt: str, question_id: str, length: int) -> bytes:
    blocks = []
    for counter in range(length // 32 + 1):
        material = f"rnncourse-explanation\0{salt}\0{question_id}\0{counter}"
        blocks.append(hashlib.sha256(material.encode("utf-8")).digest())
    return b"".join(blocks)[:length]


def seal(salt: str, question_id: str, text: str) -> str:
    """Scramble an explanation so it cannot be read off the locked file (the tool
    must still show it offline, so this hides it from eyes, not from code)."""
    data = text.encode("utf-8")
    mixed = bytes(a ^ b for a, b in zip(data, _keystream(salt, question_id, len(data))))
    return base64.b64encode(mixed).decode("ascii")


def unseal(salt: str, question_id: str, sealed: str) -> str | None:
    try:
        data = base64.b64decode(sealed.encode("ascii"), validate=True)
        plain = bytes(a ^ b for a, b in zip(data, _keystream(salt, question_id, len(data))))
        return plain.decode("utf-8")
    except (ValueError, UnicodeError):
        return None


def locked_text(bank: Bank, salt: str | None = None) -> str:
    """The TOML of a locked copy of a plain ``bank``."""
    if bank.locked:
        raise CourseError(f"{bank.path}: this bank is already locked")
    salt = salt or secrets.token_hex(16)
    lines = [
        "# Locked quiz bank, written by `rnncourse quiz --lock`. Answers are salted hashes",
        "# and explanations are scrambled; grade with `rnncourse quiz` as usual.",
        "",
        "[lock]",
        f"version = {LOCK_VERSION}",
        f"salt = {toml_string(salt)}",
    ]
    for question in bank.questions:
        lines += ["", "[[question]]"]
        lines += [f"{key} = {toml_string(getattr(question, key))}"
                  for key in ("id", "section", "kind", "difficulty", "prompt")]
        if question.code is not None:
            lines.append(f"code = {toml_string(question.code)}")
        if question.choices:
            lines.append("choices = [" + ", ".join(map(toml_string, question.choices)) + "]")
        if question.tolerance is not None:
            lines.append(f"tolerance = {question.tolerance!r}")
        if question.points != 1.0:
            lines.append(f"points = {question.points!r}")
        assert question.answer is not None  # load() requires it in a plain bank
        digest = answer_digest(salt, question.id, normalised(question, question.answer))
        lines.append(f"answer_hash = {toml_string(digest)}")
        lines.append("explanation_sealed = "
                     + toml_string(seal(salt, question.id, question.explanation)))
    return "\n".join(lines) + "\n"


def toml_string(text: str) -> str:
    """A TOML basic string. JSON's escapes are all valid TOML; DEL must be escaped too."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")
