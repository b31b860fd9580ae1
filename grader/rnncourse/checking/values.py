"""Describing and comparing what the student's code returned: types, dtypes and
shapes first, then values in relative error."""

from __future__ import annotations

import numpy as np

from rnncourse import untrusted
from rnncourse.checking.gradcheck import relative_error
from rnncourse.checking.spec import CheckFailed
from rnncourse.sandbox import protocol

MAX_KEYS = 10  # keys of a returned dict named in a message


def describe(value: object) -> str:
    """How to name a returned value in a message."""
    if isinstance(value, np.ndarray):
        return f"a {value.dtype} array of shape {value.shape}"
    if isinstance(value, (protocol.Handle, protocol.Unsupported)):
        return f"an object of type {untrusted.identifier(value.type_name)}"
    if value is None:
        return "None"
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)} items"
    if isinstance(value, dict):
        return f"a dict with keys {_keys(value)}"
    return f"a {type(value).__name__} ({value!r})"


def _keys(value: dict) -> str:
    """A dict's keys as a message shows them; a student's are quoted and few."""
    keys = sorted(value)
    shown = ", ".join(untrusted.quoted(key, 40) for key in keys[:MAX_KEYS])
    return f"[{shown}{', …' if len(keys) > MAX_KEYS else ''}]"


def expect_value(got: object, want: object, name: str | tuple[str, ...], tolerance: float,
                 case: str = "", floor: float = 0.0) -> None:
    """Fail unless ``got`` has the type, dtype and shape of ``want`` and its values
    agree to ``tolerance`` in relative error (``floor``: see relative_error)."""
    problem = structure_problem(got, want, name)
    if problem:
        raise CheckFailed(with_case(problem, case))
    for label, got_array, want_array in _leaves(got, want, name):
        error = relative_error(got_array, want_array, floor)
        if not error <= tolerance:
            raise CheckFailed(with_case(
                f"{label} differs from the expected values: relative error {error:.1e} "
                f"(tolerance {tolerance:.0e})", case))


def _part_names(name: str | tuple[str, ...], count: int) -> list[str]:
    """Names for the items of a returned tuple: given ones, or name[0], name[1], ..."""
    if isinstance(name, tuple):
        return list(name)
    return [f"{name}[{index}]" for index in range(count)]


def _whole(name: str | tuple[str, ...]) -> str:
    return f"({', '.join(name)})" if isinstance(name, tuple) else name


def array_problem(got: object, shape: tuple, name: str,
                  want: np.ndarray | None = None) -> str | None:
    """Why ``got`` is not a finite float64 array of ``shape``, or None. With
    ``want``, entries where ``want`` is not finite either are let be."""
    if not isinstance(got, np.ndarray):
        return f"{name} is {describe(got)}; expected a float64 numpy array of shape {shape}"
    if got.dtype != np.float64:
        return f"{name} has dtype {got.dtype}; expected float64"
    if got.shape != shape:
        return f"{name} has shape {got.shape}; expected {shape}"
    bad = ~np.isfinite(got) if want is None else ~np.isfinite(got) & np.isfinite(want)
    if bad.any():
        kind = "NaN" if np.isnan(got[bad]).any() else "inf"
        return f"{name} contains {kind} at {int(bad.sum())} of {got.size} positions"
    return None


def structure_problem(got: object, want: object, name: str | tuple[str, ...]) -> str | None:
    """Why ``got`` does not have the types, dtypes and shapes of ``want``, or None."""
    if isinstance(want, np.ndarray):
        return array_problem(got, want.shape, _whole(name), want)
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
            problem = structure_problem(got_item, want_item, part)
            if problem:
                return problem
        return None
    if isinstance(want, dict):
        if not isinstance(got, dict) or sorted(got) != sorted(want):
            return f"{name} is {describe(got)}; expected a dict with keys {_keys(want)}"
        for key in want:
            problem = structure_problem(got[key], want[key], f"{name}[{key!r}]")
            if problem:
                return problem
        return None
    raise TypeError(f"cannot compare with a reference value of type {type(want).__name__}")


def _leaves(got: object, want: object, name: str | tuple[str, ...]):
    """The arrays of ``got`` and ``want``, paired. ``got`` has ``want``'s structure
    (structure_problem found no problem): the isinstance tests on it only narrow it."""
    if isinstance(want, (np.ndarray, float)):
        yield name, np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    elif isinstance(want, tuple) and isinstance(got, (tuple, list)):
        for part, got_item, want_item in zip(_part_names(name, len(want)), got, want):
            yield from _leaves(got_item, want_item, part)
    elif isinstance(want, dict) and isinstance(got, dict):
        for key in want:
            yield from _leaves(got[key], want[key], f"{name}[{key!r}]")


def with_case(message: str, case: str) -> str:
    return f"{message} — case: {case}" if case else message


def copies(args: tuple) -> tuple:
    def copy(value):
        if isinstance(value, np.ndarray):
            return value.copy()
        if isinstance(value, dict):
            return {key: copy(item) for key, item in value.items()}
        if isinstance(value, (tuple, list)):
            return type(value)(copy(item) for item in value)
        return value

    return tuple(copy(arg) for arg in args)
