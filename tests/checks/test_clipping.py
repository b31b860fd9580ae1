"""clipping: right answers written differently pass; each known mistake fails the
right checks and is named, including the lecture slides' squared-norm bug."""

import pytest
from helpers.course import ROOT, check, failing, full_marks

INDEPENDENT = """
import math

import numpy as np

def global_norm(grads):
    if not grads:
        return 0.0
    flat = np.concatenate([np.ravel(g) for g in grads.values()])
    return float(np.linalg.norm(flat))

def clip_by_global_norm(grads, max_norm):
    if max_norm <= 0:
        raise ValueError("max_norm must be > 0")
    total = 0.0
    for name in grads:
        for value in np.ravel(grads[name]):
            total += float(value) * float(value)
    norm = math.sqrt(total)
    out = {}
    for name in grads:
        if norm > max_norm:
            out[name] = np.multiply(grads[name], max_norm / norm)
        else:
            out[name] = np.array(grads[name], dtype=np.float64, copy=True)
    return out, norm
"""


def test_reference_gets_full_marks(course):
    assert full_marks(check(course, ROOT / "solutions", "clipping", hidden=True))


def test_stubs_score_zero(course):
    result = check(course, ROOT / "exercises", "clipping")
    assert result.score == 0 and not any(c.passed for c in result.checks)


def test_independent_correct_implementation_gets_full_marks(course, student):
    folder = student("clipping", INDEPENDENT, base="")
    for _ in range(3):  # hidden checks draw fresh cases on every run
        result = check(course, folder, "clipping", hidden=True)
        assert full_marks(result), {k: v.message for k, v in failing(result).items()}


MISTAKES = [
    ("""
     def global_norm(grads):
         return sum(float(np.sum(g ** 2)) for g in grads.values())
     """, "global_norm.values", "norm-without-root"),
    ("""
     def global_norm(grads):
         return float(sum(np.linalg.norm(g) for g in grads.values()))
     """, "global_norm.values", "norm-sum-of-norms"),
    ("""
     def clip_by_global_norm(grads, max_norm):
         if max_norm <= 0:
             raise ValueError("max_norm")
         norm = global_norm(grads)
         return {k: np.clip(g, -max_norm, max_norm) for k, g in grads.items()}, norm
     """, "clip_by_global_norm.keeps-direction", "clip-by-value"),
    ("""
     def clip_by_global_norm(grads, max_norm):
         if max_norm <= 0:
             raise ValueError("max_norm")
         out = {}
         for k, g in grads.items():
             n = np.sqrt(np.sum(g * g))
             out[k] = g * (max_norm / n) if n > max_norm else g.copy()
         return out, global_norm(grads)
     """, "clip_by_global_norm.keeps-direction", "clip-each-array"),
    ("""
     def clip_by_global_norm(grads, max_norm):
         # from the slides: grad_norm = np.sum(grad * grad)
         if max_norm <= 0:
             raise ValueError("max_norm")
         grad_norm = sum(np.sum(g * g) for g in grads.values())
         out = {k: g.copy() for k, g in grads.items()}
         if grad_norm > max_norm:
             out = {k: g * (max_norm / grad_norm) for k, g in out.items()}
         return out, global_norm(grads)
     """, "clip_by_global_norm.reaches-max-norm", "clip-by-squared-norm"),
    ("""
     def clip_by_global_norm(grads, max_norm):
         if max_norm <= 0:
             raise ValueError("max_norm")
         norm = global_norm(grads)
         return {k: g * (max_norm / norm) for k, g in grads.items()}, norm
     """, "clip_by_global_norm.small-unchanged", "clip-rescales-small"),
    ("""
     def clip_by_global_norm(grads, max_norm):
         if max_norm <= 0:
             raise ValueError("max_norm")
         norm = global_norm(grads)
         if norm > max_norm:
             grads = {k: g * (max_norm / norm) for k, g in grads.items()}
         return grads, global_norm(grads)
     """, "clip_by_global_norm.returns-norm", "clip-returns-clipped-norm"),
    ("""
     def clip_by_global_norm(grads, max_norm):
         if max_norm <= 0:
             raise ValueError("max_norm")
         norm = global_norm(grads)
         if norm > max_norm:
             for g in grads.values():
                 g *= max_norm / norm
         return grads, norm
     """, "clip_by_global_norm.unchanged", "mutates-input"),
]


@pytest.mark.parametrize("code, check_id, misconception", MISTAKES,
                         ids=[m[2] + ":" + m[1] for m in MISTAKES])
def test_mistake_is_caught_and_named(course, student, code, check_id, misconception):
    result = check(course, student("clipping", code), "clipping")
    failed = failing(result)
    assert check_id in failed, f"{check_id} passed"
    assert failed[check_id].misconception == misconception, failed[check_id].message


def test_squared_norm_bug_is_also_named_on_the_values_check(course, student):
    result = check(course, student("clipping", MISTAKES[4][0]), "clipping")
    assert failing(result)["clip_by_global_norm.values"].misconception == "clip-by-squared-norm"


def test_missing_value_error(course, student):
    result = check(course, student("clipping", """
        def clip_by_global_norm(grads, max_norm):
            norm = global_norm(grads)
            scale = max_norm / norm if norm > max_norm else 1.0
            return {k: g * scale for k, g in grads.items()}, norm
    """), "clipping")
    assert set(failing(result)) == {"clip_by_global_norm.rejects-nonpositive"}
    assert "returned instead of raising ValueError" in \
        failing(result)["clip_by_global_norm.rejects-nonpositive"].message


def test_wrong_exception_type(course, student):
    result = check(course, student("clipping", """
        _right = clip_by_global_norm
        def clip_by_global_norm(grads, max_norm):
            assert max_norm > 0
            return _right(grads, max_norm)
    """), "clipping")
    message = failing(result)["clip_by_global_norm.rejects-nonpositive"].message
    assert "expected ValueError" in message and "AssertionError" in message
