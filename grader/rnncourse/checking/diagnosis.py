"""Naming a mistake: which known-wrong implementation explains what the student
returned."""

from __future__ import annotations

import importlib

import numpy as np

from rnncourse.checking import references
from rnncourse.checking.gradcheck import relative_error
from rnncourse.checking.records import NotRecorded
from rnncourse.checking.values import copies


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
                wrong = variant(*copies(args))
        except NotRecorded:  # a student edition missing a record: say so, never guess
            raise
        except Exception:  # noqa: BLE001 - a variant may not apply to these inputs
            continue
        if _explains(got, want, wrong, tolerance):
            found.add(misconception)
    return found.pop() if len(found) == 1 else None


def known_mistakes(exercise: str, reference: object = None) -> dict:
    """{function: [(misconception id, wrong implementation), ...]} of an exercise:
    the module's MISTAKES, or what its variants(reference) builds on the reference.
    A student edition (no mistakes source) answers with recorded stand-ins."""
    stand_ins = references.mistakes(exercise, reference)
    return live_mistakes(exercise, reference) if stand_ins is None else stand_ins


def live_mistakes(exercise: str, reference: object = None) -> dict:
    """known_mistakes from rnncourse.mistakes itself (the instructor's course)."""
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
    if type(value) is float or type(value) is int or isinstance(value, np.floating):
        return np.asarray(float(value))
    return None


def _close(a: np.ndarray | None, b: np.ndarray | None, tolerance: float) -> bool:
    return (a is not None and b is not None and a.shape == b.shape
            and relative_error(a, b) <= tolerance)
