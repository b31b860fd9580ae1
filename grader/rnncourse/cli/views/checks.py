"""Rich rendering of check results for the terminal. Messages and printed
output may hold a student's text: they are shown through rnncourse.untrusted,
so no escape sequence or bidi control reaches the terminal."""

from __future__ import annotations

from collections import defaultdict

from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.text import Text

from rnncourse import untrusted
from rnncourse.results import CheckResult, CourseResult, ExerciseResult

STATUS = {
    "pass": ("✓ pass", "green"),
    "fail": ("✗ fail", "red"),
    "not-implemented": ("· todo", "yellow"),
    "timeout": ("✗ timeout", "red"),
    "crash": ("✗ crashed", "red"),
    "import": ("✗ import", "red"),
    "missing": ("✗ missing", "red"),
    "internal": ("! internal", "magenta"),
}


def points(value: float) -> str:
    """Points as people write them: 10, 2.5, 0.625 (checks are worth multiples of 1/8)."""
    return f"{value:.3f}".rstrip("0").rstrip(".") if value % 1 else f"{value:.0f}"


def exercise_view(result: ExerciseResult, verbose: bool = False) -> Group:
    """One line for an exercise that passes or is not started yet (unless
    ``verbose``); otherwise its table of checks and what went wrong."""
    score = f"{points(result.score)} / {points(result.max_score)}"
    title = result.title + (" (optional, extra credit)" if result.optional else "")
    if not verbose and result.passed:
        return Group(Text.assemble(("✓ ", "green"), (result.id, "bold cyan"), " — ",
                                   title, "   ", (score, "bold green"),
                                   (f"   all {len(result.checks)} checks pass", "dim")))
    if not verbose and result.checks and all(c.kind == "not-implemented" for c in result.checks):
        if result.optional:
            return Group(Text.assemble(("· ", "dim"), (result.id, "cyan"), " — ", title,
                                       ("   not started", "dim")))
        functions = ", ".join(dict.fromkeys(c.function for c in result.checks))
        return Group(Text.assemble(("· ", "yellow"), (result.id, "bold cyan"), " — ",
                                   title, "   ", score, "\n  ",
                                   ("Not implemented yet: ", "yellow"), functions,
                                   " — fill in the TODOs"))
    if not verbose and result.problem and result.checks and all(
            c.kind in ("missing", "import") for c in result.checks):
        return Group(Text.assemble(("✗ ", "red"), (result.id, "bold cyan"), " — ", title,
                                   "   ", score, "\n  ", (untrusted.text(result.problem), "red")))
    from rich.table import Table  # here: most runs show no table, and it loads slowly

    table = Table(show_edge=False, pad_edge=False, expand=False, box=None)
    table.add_column("check", style="bold", no_wrap=True)
    table.add_column("result", no_wrap=True)
    table.add_column("points", justify="right", no_wrap=True)
    for check in result.checks:
        label, style = STATUS.get(check.kind, ("✗ error", "red"))
        name = check.id + (" (hidden)" if check.hidden else "")
        table.add_row(name, Text(label, style=style),
                      f"{points(check.points)}/{points(check.max_points)}")
    heading = Text.assemble((result.id, "bold cyan"), " — ", title, "   ",
                            (score, "bold green" if result.passed else "bold"))
    return Group(heading, table, *_failures(result))


def _failures(result: ExerciseResult) -> list:
    failed = [check for check in result.checks if not check.passed]
    if not failed:
        return []
    blocks: list = []
    if result.problem and all(check.kind in ("import", "missing") for check in failed):
        blocks.append(Text(f"  {untrusted.text(result.problem)}", style="red"))
        return blocks
    todo = defaultdict(list)
    shown_messages = set()
    for check in failed:
        if check.kind == "not-implemented":
            todo[check.function].append(check)
            continue
        if check.message in shown_messages and check.misconception is None:
            continue
        shown_messages.add(check.message)
        blocks.append(_failure(check))
    if todo:
        names = ", ".join(todo)
        blocks.insert(0, Text.from_markup(
            f"  [yellow]Not implemented yet:[/] {escape(names)} — fill in the TODOs"))
    return blocks


def _failure(check: CheckResult) -> Text:
    text = Text("  ")
    text.append(f"✗ {check.id}", style="red bold")
    text.append(f"\n    {untrusted.text(check.message)}")
    if check.misconception:
        text.append("\n    Misconception: ", style="yellow bold")
        text.append(check.misconception)
    if check.hint:
        text.append("\n    Hint: ", style="cyan bold")
        text.append(check.hint)
    if check.notes and (check.misconception or check.hint):
        text.append("\n    Read: ", style="bold")
        text.append(f"rnncourse notes {check.notes}")
    if check.output:
        first_lines = "\n".join(untrusted.text(check.output).strip().splitlines()[:3])
        text.append("\n    Your code printed: ", style="dim")
        text.append(first_lines, style="dim")
    return text


def course_view(console: Console, result: CourseResult, verbose: bool = False,
                heading: str | None = None) -> None:
    """The results of a check run; ``heading`` (which course, which release) first."""
    if heading:
        console.print(Text(heading, style="dim"))
    for exercise in result.exercises:
        console.print(exercise_view(exercise, verbose))
        if verbose or not exercise.passed:
            console.print()
    extra = sum(e.score for e in result.exercises if e.optional)
    required = result.score - extra
    total = f"{points(required)} / {points(result.max_score)}"
    if extra:
        total += f" + {points(extra)} extra credit"
    if result.passed:
        message = f"[bold green]All required checks pass.[/] Score {total}."
    else:
        failing = sum(not check.passed for e in result.exercises if not e.optional
                      for check in e.checks)
        message = f"Score [bold]{total}[/] — {failing} check{'s' if failing != 1 else ''} to go."
    if not result.hidden_included:
        message += (" [dim](public checks only: hidden checks, worth the rest of the course's "
                    "points, run when your work is graded)[/]")
    console.print(Panel(message, expand=False))
