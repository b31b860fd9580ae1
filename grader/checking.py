"""The vocabulary of check modules.

A check is a test function, written the way pytest tests are written, marked
with ``@check``. It receives fixtures by argument name:

``student``    the student's file, running in its own process (``sandbox.py``)
``reference``  the solution module (trusted, in the judge's process)
``policy``     the grading policy from course.toml (tolerances, time limit)
``rng``        a numpy Generator: fixed per check for public checks, fresh for hidden ones

A check passes when it returns, and fails by raising ``CheckFailed`` (an
``AssertionError``, so pytest reports it as a failure), by a plain ``assert``,
or when the student's code fails (``StudentError``).
"""

from __future__ import annotations

import importlib
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from rnncourse import protocol
from rnncourse.gradcheck import relative_error
from rnncourse.sandbox import Call, StudentError, StudentProcess

__all__ = [
    "CheckFailed", "CheckSpec", "Student", "StudentError", "check", "describe", "diagnose",
    "expect_matches", "expect_right_result", "expect_unchanged", "expect_value",
    "relative_error", "validated_call",
]


@dataclass(frozen=True)
class CheckSpec:
    id: str
    function: str
    test: Callable
    weight: float = 1.0
    hidden: bool = False
    hint: str | None = None

    @property
    def seed(self) -> int:
        return zlib.crc32(self.id.encode())


def check(check_id: str, *, weight: float = 1.0, hidden: bool = False, hint: str | None = None):
    """Mark a test function as a graded check. ``check_id`` is ``<function>.<name>``."""
    function, dot, name = check_id.partition(".")
    if not dot or not function.isidentifier() or not name:
        raise ValueError(f"check id {check_id!r} must look like 'function.name'")

    def mark(test: Callable) -> Callable:
        test.__rnncourse_check__ = CheckSpec(check_id, function, test, weight, hidden, hint)
        return test

    return mark


class CheckFailed(AssertionError):
    def __init__(self, message: str, misconception: str | None = None,
                 hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.misconception = misconception
        self.hint = hint


@dataclass
class Student:
    """A check's view of the student's file: calls run in the student's process
    and share the check's time budget."""

    process: StudentProcess
    exercise: str
    budget: float
    printed: list[str] = field(default_factory=list)

    @property
    def file(self) -> str:
        return self.process.path.name

    def run(self, function: str, *args: object, keep: Sequence[int] = (),
            watch: bool = False) -> Call:
        """Call ``function`` in the student's process. With ``watch`` the result
        also lists arguments changed in place and warnings raised."""
        started = time.perf_counter()
        try:
            result = self.process.call(function, args, tuple(keep), timeout=self._remaining(),
                                       watch=watch)
        except StudentError as error:
            self._record(error.output)
            raise
        finally:
            self.budget -= time.perf_counter() - started
        self._record(result.output)
        return result

    def call(self, function: str, *args: object, keep: Sequence[int] = ()) -> object:
        return self.run(function, *args, keep=keep).value

    def run_batch(self, calls: list[tuple[str, tuple, tuple]]) -> list[Call | StudentError]:
        """Independent calls (function, args, keep) in one round trip; each result
        is a Call or the StudentError that call raised."""
        started = time.perf_counter()
        try:
            results = self.process.call_batch(calls, timeout=self._remaining())
        except StudentError as error:
            self._record(error.output)
            raise
        finally:
            self.budget -= time.perf_counter() - started
        for result in results:
            self._record(result.output)
        return results

    def perturbed(self, function: str, args: tuple, perturbations: list,
                  only: tuple) -> list:
        started = time.perf_counter()
        try:
            return self.process.perturbed(function, args, perturbations, only,
                                          timeout=self._remaining())
        finally:
            self.budget -= time.perf_counter() - started

    def _remaining(self) -> float:
        if self.budget <= 0:
            raise StudentError("ran out of time for this check", "timeout")
        return self.budget

    def _record(self, output: str) -> None:
        if output:
            self.printed.append(output)


# ----------------------------------------------------------------------------
# Describing and comparing what came back


def describe(value: object) -> str:
    """How to name a returned value in a message."""
    if isinstance(value, np.ndarray):
        return f"a {value.dtype} array of shape {value.shape}"
    if isinstance(value, (protocol.Handle, protocol.Unsupported)):
        return f"an object of type {value.type_name}"
    if value is None:
        return "None"
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)} items"
    if isinstance(value, dict):
        return f"a dict with keys {sorted(value)}"
    return f"a {type(value).__name__} ({value!r})"


def expect_value(got: object, want: object, name: str | tuple[str, ...], tolerance: float,
                 case: str = "", floor: float = 0.0) -> None:
    """Fail unless ``got`` has the type, dtype and shape of ``want`` and its values
    agree to ``tolerance`` in relative error (``floor``: see relative_error)."""
    problem = _structure_problem(got, want, name)
    if problem:
        raise CheckFailed(_with_case(problem, case))
    for label, got_array, want_array in _leaves(got, want, name):
        error = relative_error(got_array, want_array, floor)
        if not error <= tolerance:
            raise CheckFailed(_with_case(
                f"{label} differs from the expected values: relative error {error:.1e} "
                f"(tolerance {tolerance:.0e})", case))


def _part_names(name: str | tuple[str, ...], count: int) -> list[str]:
    """Names for the items of a returned tuple: given ones, or name[0], name[1], ..."""
    if isinstance(name, tuple):
        return list(name)
    return [f"{name}[{index}]" for index in range(count)]


def _whole(name: str | tuple[str, ...]) -> str:
    return f"({', '.join(name)})" if isinstance(name, tuple) else name


def _structure_problem(got: object, want: object, name: str | tuple[str, ...]) -> str | None:
    if isinstance(want, np.ndarray):
        if not isinstance(got, np.ndarray):
            return (f"{name} is {describe(got)}; "
                    f"expected a float64 numpy array of shape {want.shape}")
        if got.dtype != np.float64:
            return f"{name} has dtype {got.dtype}; expected float64"
        if got.shape != want.shape:
            return f"{name} has shape {got.shape}; expected {want.shape}"
        bad = ~np.isfinite(got) & np.isfinite(want)
        if bad.any():
            kind = "NaN" if np.isnan(got[bad]).any() else "inf"
            return f"{name} contains {kind} at {int(bad.sum())} of {got.size} positions"
        return None
    if isinstance(want, float):
        if isinstance(got, np.ndarray) and got.shape == () and got.dtype.kind == "f":
            return None
        if type(got) is int:
            return None
        if type(got) is not float:
            return f"{name} is {describe(got)}; expected a float"
        if not np.isfinite(got):
            return f"{name} is {got}; expected a finite number"
        return None
    if isinstance(want, tuple):
        if not isinstance(got, (tuple, list)) or len(got) != len(want):
            return f"{_whole(name)} is {describe(got)}; expected a tuple of {len(want)} items"
        for part, got_item, want_item in zip(_part_names(name, len(want)), got, want):
            problem = _structure_problem(got_item, want_item, part)
            if problem:
                return problem
        return None
    if isinstance(want, dict):
        if not isinstance(got, dict) or sorted(got) != sorted(want):
            return f"{name} is {describe(got)}; expected a dict with keys {sorted(want)}"
        for key in want:
            problem = _structure_problem(got[key], want[key], f"{name}[{key!r}]")
            if problem:
                return problem
        return None
    raise TypeError(f"cannot compare with a reference value of type {type(want).__name__}")


def _leaves(got: object, want: object, name: str | tuple[str, ...]):
    if isinstance(want, (np.ndarray, float)):
        yield name, np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    elif isinstance(want, tuple):
        for part, got_item, want_item in zip(_part_names(name, len(want)), got, want):
            yield from _leaves(got_item, want_item, part)
    elif isinstance(want, dict):
        for key in want:
            yield from _leaves(got[key], want[key], f"{name}[{key!r}]")


def _with_case(message: str, case: str) -> str:
    return f"{message} — case: {case}" if case else message


# ----------------------------------------------------------------------------
# Named mistakes


def diagnose(exercise: str, function: str, args: tuple, got: object, want: object,
             tolerance: float = 1e-6, reference: object = None) -> str | None:
    """The misconception whose known-wrong implementation explains what the
    student returned on these inputs, if exactly one does.

    ``args`` are what the variants in rnncourse.mistakes.<exercise> take: the
    function's own arguments, or for a backward function the forward's inputs
    followed by the upstream gradients. A variant explains the student's output
    when every output is either right (equal to the reference) or equal to the
    variant's, and at least one is the variant's and wrong. Outputs the student
    got right are ignored, so one mistake is still named when the rest of the
    function is fine. A wrong name is worse than none: when several
    misconceptions fit, none is named.
    """
    found = set()
    for misconception, variant in known_mistakes(exercise, reference).get(function, ()):
        try:
            with np.errstate(all="ignore"):
                wrong = variant(*_copies(args))
        except Exception:  # noqa: BLE001 - a variant may not apply to these inputs
            continue
        if _explains(got, want, wrong, tolerance):
            found.add(misconception)
    return found.pop() if len(found) == 1 else None


def known_mistakes(exercise: str, reference: object = None) -> dict:
    """{function: [(misconception id, wrong implementation), ...]} of an exercise:
    the module's MISTAKES, or what its variants(reference) builds on the reference."""
    try:
        module = importlib.import_module(f"rnncourse.mistakes.{exercise}")
    except ModuleNotFoundError:
        return {}
    if hasattr(module, "variants"):
        return module.variants(reference) if reference is not None else {}
    return module.MISTAKES


def _explains(got: object, want: object, wrong: object, tolerance: float) -> bool:
    leaves = _aligned(got, want, wrong)
    if leaves is None:
        return False
    explained = False
    for got_leaf, want_leaf, wrong_leaf in leaves:
        if _close(got_leaf, want_leaf, tolerance):
            continue
        if not _close(got_leaf, wrong_leaf, tolerance):
            return False
        explained = True
    return explained


def _aligned(got: object, want: object, wrong: object) -> list | None:
    """(got, want, wrong) leaf triples when the three share their tuple/dict
    layout (leaf shapes may differ), else None."""
    if isinstance(want, tuple):
        if not (isinstance(got, (tuple, list)) and isinstance(wrong, (tuple, list))
                and len(got) == len(want) == len(wrong)):
            return None
        triples = []
        for parts in zip(got, want, wrong):
            inner = _aligned(*parts)
            if inner is None:
                return None
            triples += inner
        return triples
    if isinstance(want, dict):
        if not (isinstance(got, dict) and isinstance(wrong, dict)
                and set(got) == set(want) == set(wrong)):
            return None
        triples = []
        for key in want:
            inner = _aligned(got[key], want[key], wrong[key])
            if inner is None:
                return None
            triples += inner
        return triples
    return [(_numeric(got), _numeric(want), _numeric(wrong))]


def _numeric(value: object) -> np.ndarray | None:
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        return value.astype(np.float64)
    if type(value) in (float, int) or isinstance(value, np.floating):
        return np.asarray(float(value))
    return None


def _close(a: np.ndarray | None, b: np.ndarray | None, tolerance: float) -> bool:
    return (a is not None and b is not None and a.shape == b.shape
            and relative_error(a, b) <= tolerance)


def validated_call(student: Student, reference: object, function: str, args: tuple,
                   name: str | tuple[str, ...] | None = None,
                   case: str = "") -> tuple[object, object]:
    """Call ``function`` in the student's file and in the reference on ``args``;
    fail unless the student's output has the reference's types and shapes.
    Returns (student's output, reference output)."""
    got = student.call(function, *args)
    want = getattr(reference, function)(*_copies(args))
    problem = _structure_problem(got, want, name or function)
    if problem:
        raise CheckFailed(_with_case(problem, case), misconception=diagnose(
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
    """Fail if the call modified any of its arguments in place.

    With ``want`` (the reference output for the same arguments) it also fails
    unless the result is right: a function that returns nothing useful must not
    earn points for leaving its inputs alone.
    """
    if not call.watched:
        raise TypeError("expect_unchanged needs a call made with watch=True")
    if call.mutated:
        changed = ", ".join(sorted({_path_name(path, names) for path in call.mutated}))
        raise CheckFailed(f"{function} modified its argument {changed} in place; "
                          "compute new arrays instead", misconception="mutates-input")
    if want is not None:
        expect_right_result(call.value, want, function, tolerance)


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


def _copies(args: tuple) -> tuple:
    def copy(value):
        if isinstance(value, np.ndarray):
            return value.copy()
        if isinstance(value, dict):
            return {key: copy(item) for key, item in value.items()}
        if isinstance(value, (tuple, list)):
            return type(value)(copy(item) for item in value)
        return value

    return tuple(copy(arg) for arg in args)
