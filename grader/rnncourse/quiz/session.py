"""One interactive quiz: pick questions, shuffle their choices, ask, grade at once.

Showing and reading go through a Screen (the CLI's is rich on a terminal), so
the loop is independent of the terminal: ``Screen.read`` raises EOFError on
Ctrl-D and KeyboardInterrupt on Ctrl-C. Ctrl-D ends the quiz with a score for
what was answered; Ctrl-C propagates to the caller, who still has
``Session.results``. Each answer is handed to ``record`` as soon as it is
graded (with the response, None for a give-up), so nothing answered is lost
either way.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from rnncourse.quiz.bank import (
    FALSE_WORDS,
    TRUE_WORDS,
    AnswerError,
    Bank,
    Question,
    Response,
    choice_index,
    parse_number,
    split_choices,
)

GIVE_UP = "?"


@dataclass(frozen=True)
class Asked:
    """A question as shown in this run: ``order[k]`` is the option shown in place k."""

    question: Question
    order: tuple[int, ...]

    @property
    def shown(self) -> list[str]:
        return [self.question.options[index] for index in self.order]

    def place_of(self, option: int) -> int:
        return self.order.index(option)


def plan(questions: list[Question], count: int, seed: int | None) -> list[Asked]:
    """Up to ``count`` questions drawn at random, kept in the order given (the notes'
    order), each with its choices shuffled; the same seed gives the same quiz."""
    rng = random.Random(seed)
    chosen = sorted(rng.sample(range(len(questions)), min(count, len(questions))))
    asked = []
    for index in chosen:
        question = questions[index]
        order = list(range(len(question.options)))
        if question.kind != "truefalse":  # True, False reads better in that order
            rng.shuffle(order)
        asked.append(Asked(question, tuple(order)))
    return asked


def read_typed(asked: Asked, text: str) -> Response | None:
    """What the student typed, as a Response (None: they gave up with '?').
    Raises AnswerError with a message to show when it cannot be read."""
    question, text = asked.question, text.strip()
    if not text:
        raise AnswerError("Type an answer (or ? to see it, Ctrl-D to stop).")
    if text == GIVE_UP:
        return None
    if question.kind == "numeric":
        return parse_number(text)
    if question.kind == "truefalse" and text.lower() in TRUE_WORDS | FALSE_WORDS:
        return text.lower() in TRUE_WORDS
    count = len(question.options)
    if question.kind == "multiple":
        places = [choice_index(token, count) for token in split_choices(text)]
        return frozenset(asked.order[place] for place in places)
    option = asked.order[choice_index(text, count)]
    return option == 0 if question.kind == "truefalse" else option


class Screen(Protocol):
    """Where a session shows its questions and reads the answers."""

    def question(self, asked: Asked, number: int, total: int) -> None: ...

    def read(self, asked: Asked) -> str:
        """What the student typed; EOFError on Ctrl-D."""
        ...

    def unreadable(self, problem: str) -> None: ...

    def feedback(self, asked: Asked, correct: bool) -> None: ...

    def stopped(self) -> None: ...


@dataclass
class Session:
    bank: Bank
    asked: list[Asked]
    screen: Screen
    record: Callable[[Question, Response | None, bool], None] = \
        lambda question, response, correct: None
    results: list[tuple[Question, bool]] = field(default_factory=list)
    finished: bool = False

    def run(self) -> None:
        """Ask every question; returns early (finished stays False) on Ctrl-D."""
        for number, asked in enumerate(self.asked, start=1):
            self.screen.question(asked, number, len(self.asked))
            try:
                response = self._answer(asked)
            except EOFError:
                self.screen.stopped()
                return
            correct = response is not None and self.bank.is_correct(asked.question, response)
            self.results.append((asked.question, correct))
            self.record(asked.question, response, correct)
            self.screen.feedback(asked, correct)
        self.finished = True

    def _answer(self, asked: Asked) -> Response | None:
        while True:
            text = self.screen.read(asked)
            try:
                return read_typed(asked, text)
            except AnswerError as error:
                self.screen.unreadable(str(error))
