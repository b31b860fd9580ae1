"""The expect_* helpers: call the student and the reference, compare, fail with
a message that names the output and, when one matches, the misconception."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rnncourse.checking.diagnosis import diagnose
from rnncourse.checking.spec import CheckFailed
from rnncourse.checking.student import Student
from rnncourse.checking.values import copies, expect_value, structure_problem, with_case
from rnncourse.sandbox.calls import Call, changed_paths


def validated_call(student: Student, reference: object, function: str, args: tuple,
                   name: str | tuple[str, ...] | None = None,
                   case: str = "") -> tuple[Any, Any]:
    """Call ``function`` in the student's file and in the reference on ``args``;
    fail unless the student's output has the reference's types and shapes.
    Returns (student's output, reference output), both typed Any: the reference
    returns what the check expects, and the student's output has been found to
    have the same structure (a list may stand for a tuple)."""
    got = student.call(function, *args)
    want = getattr(reference, function)(*copies(args))
    problem = structure_problem(got, want, name or function)
    if problem:
        raise CheckFailed(with_case(problem, case), misconception=diagnose(
            student.exercise, function, args, got, want, reference=reference))
    return got, want


def expect_matches(student: Student, reference: object, function: str, args: tuple,
                   tolerance: float, name: str | tuple[str, ...] | None = None,
                   case: str = "", floor: float = 0.0) -> object:
    """Fail, naming the misconception when one matches, unless the student's
    ``function`` agrees with the reference on ``args``; return its output."""
    got, want = validated_call(student, reference, function, args, name, case)
    try:
        expect_value(got, want, name or function, tolerance, case, floor)
    except CheckFailed as failure:
        failure.misconception = diagnose(student.exercise, function, args, got, want,
                                         reference=reference)
        raise
    return got


def expect_unchanged(call: Call, names: Sequence[str], function: str, want: object = None,
                     tolerance: float = 0.0) -> None:
    """Fail if the call modified any of its arguments in place: if what the
    student's process sent back after the call (``watch``) differs from what the
    judge sent (calls.changed_paths).

    With ``want`` (the reference output for the same arguments) it also fails
    unless the result is right: a function that returns nothing useful must not
    earn points for leaving its inputs alone.
    """
    if not call.watched:
        raise TypeError("expect_unchanged needs a call made with watch=True")
    _fail_if_changed(call.mutated, names, function)
    if want is not None:
        expect_right_result(call.value, want, function, tolerance)


def expect_kept_unchanged(first: Call, second: Call, names: Sequence[str],
                          function: str) -> None:
    """Fail if the first of two watched calls on the same arguments changed one
    that lives in the student's process (a cache, passed as a handle). The judge
    never saw such an argument before the first call, so it compares what the
    two calls sent back: changed by the first, it differs after the second."""
    if not (first.watched and second.watched):
        raise TypeError("expect_kept_unchanged needs calls made with watch=True")
    _fail_if_changed(changed_paths(first.arguments, second.arguments), names, function)


def _fail_if_changed(paths: list, names: Sequence[str], function: str) -> None:
    if paths:
        changed = ", ".join(sorted({_path_name(path, names) for path in paths}))
        raise CheckFailed(f"{function} modified its argument {changed} in place; "
                          "compute new arrays instead", misconception="mutates-input")


def expect_right_result(got: object, want: object, name: str, tolerance: float) -> None:
    """For checks of a property other than the values (no mutation, no warning):
    they count only when the result is right as well."""
    try:
        expect_value(got, want, name, tolerance)
    except CheckFailed as failure:
        raise CheckFailed(f"{failure.message} (this check counts only when the result is "
                          "right too)") from None


def _path_name(path: list, names: Sequence[str]) -> str:
    if not path:
        return "?"
    head = names[path[0]] if isinstance(path[0], int) and path[0] < len(names) else str(path[0])
    return head + "".join(f"[{part!r}]" for part in path[1:])
