"""Rich rendering of quiz questions, feedback and scores."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from rich.console import Console, Group, RenderableType
from rich.markup import escape
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from rnncourse.cli.views.checks import points
from rnncourse.quiz.bank import LETTERS, AnswerError, Bank, Question, parse_answer
from rnncourse.quiz.session import Asked

if TYPE_CHECKING:
    from rnncourse.quiz.grading import QuizEntry, QuizResult


class TerminalScreen:
    """The interactive quiz on a rich console (quiz.session.Screen)."""

    def __init__(self, console: Console, bank: Bank) -> None:
        self.console = console
        self.bank = bank

    def question(self, asked: Asked, number: int, total: int) -> None:
        self.console.print(question_view(asked, number, total))

    def read(self, asked: Asked) -> str:
        return self.console.input(prompt_text(asked))

    def unreadable(self, problem: str) -> None:
        self.console.print(f"[yellow]{escape(problem)}[/]")

    def feedback(self, asked: Asked, correct: bool) -> None:
        self.console.print(feedback_view(self.bank, asked, correct))

    def stopped(self) -> None:
        self.console.print("\n[yellow]Quiz stopped.[/]")


def inline(text: str) -> Text:
    """Plain text with `code` spans highlighted. Not Markdown: math such as
    0.9**50 would turn into bold text."""
    result = Text()
    for index, part in enumerate(text.split("`")):
        result.append(part, style="bold cyan" if index % 2 else "")
    return result


def question_view(asked: Asked, number: int, total: int) -> Group:
    question = asked.question
    header = Text.assemble(
        (f"Question {number} of {total}", "bold cyan"), "  ",
        (f"{question.section} · {question.difficulty}", "dim"),
    )
    parts: list = [Text(), header, inline(question.prompt)]
    if question.code:
        parts.append(Panel(Text(question.code.strip("\n")), expand=False, border_style="dim"))
    if question.kind == "multiple":
        parts.append(Text("Select all that apply.", style="italic"))
    if question.kind == "numeric":
        parts.append(Text("Answer with a number (a fraction such as 1/4 works too).",
                          style="italic"))
    choices = Table.grid(padding=(0, 1))
    choices.add_column(no_wrap=True, style="bold")
    choices.add_column()
    for place, option in enumerate(asked.shown):
        choices.add_row(f"  {LETTERS[place]})", inline(option))
    parts.append(choices)
    return Group(*parts)


def prompt_text(asked: Asked) -> str:
    """The input prompt (rich markup: no square brackets)."""
    count = len(asked.question.options)
    span = f"a-{LETTERS[count - 1]} or 1-{count}"
    if asked.question.kind == "numeric":
        return "Your answer: "
    if asked.question.kind == "truefalse":
        return "True or false (t/f, or a/b): "
    if asked.question.kind == "multiple":
        return f"Your answers ({span}, e.g. a c): "
    return f"Your answer ({span}): "


def feedback_view(bank: Bank, asked: Asked, correct: bool) -> Group:
    question = asked.question
    if correct:
        verdict = Text("✓ Right.", style="bold green")
    else:
        verdict = Text("✗ Not quite.", style="bold red")
        right = _right_answer(bank, question, asked.place_of)
        if right:
            verdict.append(f" The answer: {right}")
    read = Text.assemble(("Read: ", "bold"), f"rnncourse notes {question.section}")
    return Group(verdict, inline(question.explanation), read)


def _right_answer(bank: Bank, question: Question, place=lambda option: option) -> str | None:
    """The right answer as the student sees it: choices by their letter at
    ``place`` (the shuffled position in a quiz; the bank's order in a file)."""
    response = bank.correct_response(question)
    return None if response is None else _response_text(question, response, place)


def _response_text(question: Question, response, place=lambda option: option) -> str:
    if question.kind == "numeric":
        return f"{response:g} (within {question.tolerance:g})"
    if question.kind == "truefalse":
        return "true" if response else "false"
    # choice indices: a set of them for a multiple-choice question (see bank.Response)
    options = (sorted(cast(frozenset[int], response)) if question.kind == "multiple"
               else [cast(int, response)])
    return ", ".join(f"{LETTERS[place(option)]}) {question.options[option]}"
                     for option in options)


def summary_view(results: list[tuple[Question, bool]], asked_count: int) -> Panel:
    right = sum(question.points for question, correct in results if correct)
    total = sum(question.points for question, _ in results)
    lines = [f"Score [bold]{points(right)} / {points(total)}[/]"]
    if len(results) < asked_count:
        lines[0] += f" [dim]({len(results)} of {asked_count} questions answered)[/]"
    topics: dict[str, list[int]] = {}
    for question, correct in results:
        tally = topics.setdefault(question.topic, [0, 0])
        tally[0] += correct
        tally[1] += 1
    if len(topics) > 1:
        lines.append("  ".join(f"{topic} {done}/{count}" for topic, (done, count) in
                               topics.items()))
    to_read = list(dict.fromkeys(q.section for q, correct in results if not correct))
    if to_read:
        lines.append("Read again: " + ", ".join(f"rnncourse notes {escape(section)}"
                                                for section in to_read))
    elif results:
        lines.append("[green]All right.[/]")
    return Panel("\n".join(lines), title="Quiz", expand=False)


def answers_view(result: QuizResult, bank: Bank) -> Group:
    table = Table(show_edge=False, pad_edge=False, box=None)
    table.add_column("question", style="bold", no_wrap=True)
    table.add_column("section", style="dim", no_wrap=True)
    table.add_column("result", no_wrap=True)
    for entry in result.questions:
        if entry.correct:
            verdict = Text("✓ right", style="green")
        elif not entry.answered:
            verdict = Text("· unanswered", style="yellow")
        else:
            verdict = Text("✗ wrong", style="red")
            if entry.problem:
                verdict.append(f" ({entry.problem})", style="dim")
        table.add_row(entry.id, entry.section, verdict)
    wrong = [e for e in result.questions if e.answered and not e.correct]
    unanswered = sum(not e.answered for e in result.questions)
    message = f"Score [bold]{points(result.score)} / {points(result.max_score)}[/]"
    if unanswered:
        message += f" [dim]({unanswered} unanswered)[/]"
    if wrong:
        sections = dict.fromkeys(e.section for e in wrong)
        message += "\nRead again: " + ", ".join(f"rnncourse notes {escape(s)}" for s in sections)
    corrections: list[RenderableType] = [_correction(bank, entry) for entry in wrong]
    if result.unknown:  # each costs only itself: the question it was meant for stays unanswered
        corrections += [Text(), Text(f"⚠ {result.problem}", style="yellow")]
    return Group(table, *corrections, Text(), Panel(message, title="Quiz answers", expand=False))


def _correction(bank: Bank, entry: QuizEntry) -> Group:
    """For a wrong answer in a file: what was given, the right answer (letters in
    the bank's order, as files use) and the explanation."""
    question = bank.question(entry.id)
    assert question is not None  # graded entries are questions of the bank
    try:
        response = parse_answer(question.kind, question.choices, entry.given)
        given = f"{response:g}" if question.kind == "numeric" else \
            _response_text(question, response)
    except AnswerError:
        given = f"{entry.given!r} (could not be read)"
    given = " ".join(given.split())
    given = given if len(given) <= 100 else given[:97] + "..."
    lines: list[RenderableType] = [
        Text.assemble(("✗ ", "red"), (entry.id, "bold"), f"  ({entry.section})"),
        Text.assemble("  Your answer: ", given)]
    right = _right_answer(bank, question)
    if right:
        lines.append(Text.assemble("  The answer: ", (right, "green")))
    lines.append(Padding(inline(entry.explanation), (0, 0, 0, 2)))
    return Group(Text(), *lines)


def topics_view(rows: list[dict]) -> Table:
    table = Table(show_edge=False, pad_edge=False, box=None)
    table.add_column("topic", style="bold cyan", no_wrap=True)
    table.add_column("title")
    table.add_column("questions", justify="right")
    table.add_column("easy/medium/hard", justify="right", style="dim")
    for row in rows:
        mix = "/".join(str(row["difficulty"][level]) for level in ("easy", "medium", "hard"))
        table.add_row(row["id"], row["title"], str(row["questions"]), mix)
    return table
