"""Checks for exercises/clipping.py: global_norm and clip_by_global_norm."""

import numpy as np

from rnncourse.checking import (
    CheckFailed,
    StudentError,
    check,
    diagnose,
    expect_matches,
    expect_right_result,
    expect_unchanged,
    validated_call,
)
from rnncourse.checking.draws import FixedDraw
from rnncourse.checking.gradcheck import relative_error

SHAPES = {"Wx": (3, 4), "Wh": (4, 4), "b": (4,)}
CLIP = "clip_by_global_norm"


def _grads(seed: int, scale: float = 1.0) -> dict:
    rng = FixedDraw(seed)
    return {name: rng.normal(size=shape) * scale for name, shape in SHAPES.items()}


def _norm(grads: dict) -> float:
    return float(np.sqrt(sum(np.sum(g * g) for g in grads.values())))


# global_norm ----------------------------------------------------------------


@check("global_norm.values", weight=5,
       hint="Square every entry of every array, add them all up, take one square root.")
def test_global_norm_values(student, reference, policy):
    expect_matches(student, reference, "global_norm", (_grads(0, 2.0),), policy.value_tolerance,
                   case="three arrays of shapes (3, 4), (4, 4), (4,)")


@check("global_norm.single-array", weight=2)
def test_global_norm_single_array(student, reference, policy):
    grads = {"W": np.arange(-6.0, 6.0).reshape(3, 4)}
    expect_matches(student, reference, "global_norm", (grads,), policy.value_tolerance,
                   case="one (3, 4) array")


@check("global_norm.empty", weight=2)
def test_global_norm_empty(student, reference, policy):
    expect_matches(student, reference, "global_norm", ({},), policy.value_tolerance,
                   case="an empty dict")
    got, want = validated_call(student, reference, "global_norm", (_grads(0, 2.0),))
    expect_right_result(got, want, "global_norm of three arrays", policy.value_tolerance)


@check("global_norm.unchanged", weight=2)
def test_global_norm_unchanged(student, reference, policy):
    expect_unchanged(student.run("global_norm", _grads(1), watch=True), ("grads",), "global_norm",
                     reference.global_norm(_grads(1)), policy.value_tolerance)


# clip_by_global_norm --------------------------------------------------------


def _clip(student, reference, grads, max_norm, case):
    got, want = validated_call(student, reference, CLIP, (grads, max_norm),
                               name=("clipped", "norm"), case=case)
    return got[0], float(got[1]), want


def _right(student, reference, policy, grads, max_norm):
    """A property of clipping counts only from a clip that is right as well."""
    got, want = validated_call(student, reference, CLIP, (grads, max_norm),
                               name=("clipped", "norm"))
    expect_right_result(_as_tuple(got), want, f"{CLIP} with max_norm {max_norm:g}",
                        policy.value_tolerance)


def _fail(student, message, grads, max_norm, got, want, hint=None):
    raise CheckFailed(message, hint=hint, misconception=diagnose(
        student.exercise, CLIP, (grads, max_norm), _as_tuple(got), want))


def _as_tuple(got):
    return tuple(got) if isinstance(got, list) else got


@check(f"{CLIP}.values", weight=5)
def test_clip_values(student, reference, policy):
    grads = _grads(2, 3.0)
    expect_matches(student, reference, CLIP, (grads, 5.0), policy.value_tolerance,
                   name=("clipped", "norm"), case="global norm 10.6, max_norm 5")


@check(f"{CLIP}.returns-norm", weight=3,
       hint="Return the norm measured before clipping, not the norm after it.")
def test_clip_returns_norm(student, reference, policy):
    grads = _grads(3, 3.0)
    clipped, norm, want = _clip(student, reference, grads, 2.0, "max_norm 2")
    error = relative_error(norm, _norm(grads))
    if not error <= policy.value_tolerance:
        _fail(student, f"the returned norm is {norm:.6g}; the global norm before clipping is "
              f"{_norm(grads):.6g} (relative error {error:.1e}, tolerance "
              f"{policy.value_tolerance:.0e})", grads, 2.0, (clipped, norm), want)
    _right(student, reference, policy, grads, 2.0)


@check(f"{CLIP}.reaches-max-norm", weight=4,
       hint="After clipping, the global norm of the result should be exactly max_norm.")
def test_clip_reaches_max_norm(student, reference, policy):
    grads = _grads(4, 3.0)
    for max_norm in (1.0, 5.0):
        clipped, _, want = _clip(student, reference, grads, max_norm,
                                 f"global norm {_norm(grads):.3g}, max_norm {max_norm:g}")
        after = _norm(clipped)
        error = relative_error(after, max_norm)
        if not error <= policy.value_tolerance:
            _fail(student, f"with max_norm {max_norm:g} the clipped gradients have global norm "
                  f"{after:.6g} (relative error {error:.1e}, tolerance "
                  f"{policy.value_tolerance:.0e})", grads, max_norm, (clipped, _norm(grads)),
                  want)


@check(f"{CLIP}.keeps-direction", weight=4,
       hint="Multiply every array by the same factor max_norm / norm; never clip entries "
       "one by one.")
def test_clip_keeps_direction(student, reference, policy):
    grads = _grads(5, 3.0)
    clipped, norm, want = _clip(student, reference, grads, 2.0, "max_norm 2")
    factors = {}
    for name, g in grads.items():
        factor = float(np.sum(clipped[name] * g) / np.sum(g * g))
        if not relative_error(clipped[name], factor * g) <= policy.value_tolerance:
            _fail(student, f"clipped[{name!r}] is not a multiple of grads[{name!r}]: clipping "
                  "changed its direction", grads, 2.0, (clipped, norm), want)
        factors[name] = factor
    if max(factors.values()) - min(factors.values()) > 1e-9 * max(factors.values()):
        spread = ", ".join(f"{name} × {factor:.4g}" for name, factor in factors.items())
        _fail(student, f"the arrays were scaled by different factors ({spread}); one common "
              "factor keeps the direction of the whole gradient", grads, 2.0, (clipped, norm),
              want)
    _right(student, reference, policy, grads, 2.0)


@check(f"{CLIP}.small-unchanged", weight=3,
       hint="When the global norm is already at most max_norm, return the gradients as they "
       "are: clipping never scales up.")
def test_clip_small_unchanged(student, reference, policy):
    grads = _grads(6, 0.1)
    clipped, norm, want = _clip(student, reference, grads, 10.0, "global norm 0.35, max_norm 10")
    for name, g in grads.items():
        if not np.array_equal(clipped[name], g):
            error = relative_error(clipped[name], g)
            _fail(student, f"clipped[{name!r}] changed although the global norm ({norm:.3g}) "
                  f"is under max_norm 10 (relative error {error:.1e})",
                  grads, 10.0, (clipped, norm), want)
    _right(student, reference, policy, _grads(6, 3.0), 1.0)


@check(f"{CLIP}.rejects-nonpositive", weight=2,
       hint="Start with: if max_norm <= 0: raise ValueError(...)")
def test_clip_rejects_nonpositive(student, reference, policy):
    for max_norm in (0.0, -1.0):
        try:
            student.call(CLIP, _grads(7), max_norm)
        except StudentError as error:
            if "ValueError" in error.types:
                continue
            if error.kind in ("timeout", "crash", "not-implemented", "missing", "import"):
                raise
            raise CheckFailed(f"with max_norm {max_norm:g}: expected ValueError; {error}") from None
        raise CheckFailed(f"with max_norm {max_norm:g}, {CLIP} returned instead of raising "
                          "ValueError")
    _right(student, reference, policy, _grads(7), 0.5)


@check(f"{CLIP}.unchanged", weight=2)
def test_clip_unchanged(student, reference, policy):
    call = student.run(CLIP, _grads(8, 3.0), 1.0, watch=True)
    expect_unchanged(call, ("grads", "max_norm"), CLIP,
                     reference.clip_by_global_norm(_grads(8, 3.0), 1.0), policy.value_tolerance)


def _random_grads(rng) -> dict:
    names = ["W", "U", "b", "V", "c"][: int(rng.integers(1, 6))]
    return {name: rng.normal(size=tuple(int(n) for n in rng.integers(1, 6, size=int(
        rng.integers(1, 3))))) * float(rng.choice([0.01, 1.0, 100.0])) for name in names}


@check("global_norm.hidden", weight=3, hidden=True)
def test_global_norm_hidden(student, reference, policy, rng):
    for _ in range(3):
        expect_matches(student, reference, "global_norm", (_random_grads(rng),),
                       policy.value_tolerance, case="a hidden case")


@check(f"{CLIP}.hidden", weight=3, hidden=True)
def test_clip_hidden(student, reference, policy, rng):
    # every run covers both sides of the threshold: drawn at random, all four
    # cases could fall below it, where clipping by value is not told apart
    for share in rng.permutation([0.1, 0.9, 1.1, 10.0]):
        grads = _random_grads(rng)
        max_norm = _norm(grads) * float(share) + 1e-3
        expect_matches(student, reference, CLIP, (grads, max_norm), policy.value_tolerance,
                       name=("clipped", "norm"), case="a hidden case")
