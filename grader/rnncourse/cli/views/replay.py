"""The view of `rnncourse grade --replay`: one check, call by call."""

from __future__ import annotations

import numpy as np
from rich.console import Console
from rich.text import Text

from rnncourse import untrusted
from rnncourse.grading.replay import Replay

MAX_VALUE = 1200  # characters shown of one value


def show_replay(console: Console, done: Replay) -> None:
    recorded, replayed = done.recorded, done.replayed
    console.print(Text(f"Replay of {done.check_id} for {done.student_id} "
                       f"(graded {done.graded_at}), seed {replayed.seed}", style="bold"))
    console.print(Text(f"Recorded: {_outcome(recorded)}"))
    console.print(Text(f"Replayed: {_outcome(replayed)}"))
    if not done.same:
        console.print(Text("The replay differs from the recorded grading: "
                           + ("the seed differs (the course secret changed since)"
                              if recorded.seed != replayed.seed else
                              "the student's code may depend on what earlier checks called "
                              "it with (here the check ran alone, in a fresh process)"),
                           style="yellow"))
    for number, call in enumerate(done.calls, 1):
        console.print(Text(f"\nCall {number}: {call.function}", style="bold"))
        for index, value in enumerate(call.inputs):
            console.print(Text(f"  input {index}: {_value(value)}"))
        console.print(Text(f"  expected: {_value(call.expected)}"))
        style = "red" if call.failed else ""
        console.print(Text(f"  actual:   {_value(call.actual)}", style=style))
    if done.omitted:
        console.print(Text(f"\n(and {done.omitted} more calls, not listed: a numeric gradient "
                           "calls the forward on many slightly changed inputs)"))


def _outcome(check) -> str:
    state = "passed" if check.passed else "failed"
    text = f"{state}, {check.points:g} / {check.max_points:g}"
    if check.message:
        text += f": {untrusted.line(check.message, 400)}"
    return text


def _value(value: object) -> str:
    if isinstance(value, np.ndarray):
        shown = np.array2string(value, precision=6, threshold=60, separator=", ")
        text = f"array{value.shape} {shown}"
    elif isinstance(value, tuple):
        text = "(" + ", ".join(_value(item) for item in value) + ")"
    elif isinstance(value, dict):
        text = "{" + ", ".join(f"{key!r}: {_value(item)}" for key, item in value.items()) + "}"
    else:
        text = repr(value) if not isinstance(value, str) else value
    return untrusted.text(text, MAX_VALUE)
