# rnncourse exercise (stub 44b55d18a12f): fill in each TODO, then run `rnncourse check`.
"""Exercise: gradient clipping by global norm.

Clipping cannot stop gradients from vanishing, but it keeps exploding ones
from wrecking a training step: when the gradient is too long, shorten it and
keep its direction (notes: remedies.clipping).

Gradients come as a dict mapping a parameter name to a float64 array, for
example {"Wx": (D, H) array, "Wh": (H, H) array, "b": (H,) array}. The global
norm treats all of them as one long vector. No function may modify the dict it
is given or any array in it.
"""

import numpy as np


def global_norm(grads):
    """The L2 norm of all gradients together.

        norm = sqrt( sum over every array g in grads of sum(g ** 2) )

    Inputs:
    - grads: dict of name -> float64 array (any shapes); may be empty.

    Returns:
    - norm: float, >= 0 (0.0 for an empty dict).
    """
    # TODO: add up the squares of every entry of every array, then take the root.
    raise NotImplementedError("TODO: implement global_norm")


def clip_by_global_norm(grads, max_norm):
    """Rescale all gradients together so that their global norm is at most max_norm.

        norm = global_norm(grads)
        if norm > max_norm:  every g becomes g * (max_norm / norm)
        else:                every g stays as it is

    All arrays share one scale factor, so the direction of the whole update is
    kept. Gradients whose norm is already <= max_norm are returned unchanged
    (never scaled up).

    Inputs:
    - grads: dict of name -> float64 array (any shapes).
    - max_norm: float, the threshold; must be > 0.

    Returns a tuple of:
    - clipped: a new dict with the same keys, each a new float64 array of the
      same shape as in grads.
    - norm: float, the global norm of grads *before* clipping.

    Raises:
    - ValueError if max_norm <= 0.
    """
    # TODO: reject max_norm <= 0, measure the global norm, and scale every array
    # by one common factor when (and only when) the norm exceeds max_norm.
    raise NotImplementedError("TODO: implement clip_by_global_norm")
