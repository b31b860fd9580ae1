"""Wrong global norms and clipping, as students write them."""

import numpy as np


def norm_without_root(grads):
    return float(sum(np.sum(g * g) for g in grads.values()))


def sum_of_norms(grads):
    return float(sum(np.linalg.norm(g) for g in grads.values()))


def _norm(grads):
    return float(np.sqrt(sum(np.sum(g * g) for g in grads.values())))


def clip_by_value(grads, max_norm):
    return {k: np.clip(g, -max_norm, max_norm) for k, g in grads.items()}, _norm(grads)


def clip_each_array(grads, max_norm):
    clipped = {}
    for k, g in grads.items():
        n = np.linalg.norm(g)
        clipped[k] = g * (max_norm / n) if n > max_norm else g.copy()
    return clipped, _norm(grads)


def clip_by_squared_norm(grads, max_norm):
    # the lecture slides' snippet: grad_norm = np.sum(grad * grad)
    squared = sum(np.sum(g * g) for g in grads.values())
    scale = max_norm / squared if squared > max_norm else 1.0
    return {k: g * scale for k, g in grads.items()}, _norm(grads)


def clip_always(grads, max_norm):
    norm = _norm(grads)
    return {k: g * (max_norm / norm) for k, g in grads.items()}, norm


def clip_returns_new_norm(grads, max_norm):
    norm = _norm(grads)
    scale = max_norm / norm if norm > max_norm else 1.0
    return {k: g * scale for k, g in grads.items()}, min(norm, max_norm)


MISTAKES = {
    "global_norm": [
        ("norm-without-root", norm_without_root),
        ("norm-sum-of-norms", sum_of_norms),
    ],
    "clip_by_global_norm": [
        ("clip-by-value", clip_by_value),
        ("clip-each-array", clip_each_array),
        ("clip-by-squared-norm", clip_by_squared_norm),
        ("clip-rescales-small", clip_always),
        ("clip-returns-clipped-norm", clip_returns_new_norm),
    ],
}
