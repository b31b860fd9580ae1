"""Checks for exercises/lstm_variants.py (optional): the peephole and the coupled
LSTM steps, forward only."""

import numpy as np

from rnncourse.checking import (
    CheckFailed,
    diagnose,
    expect_matches,
    expect_right_result,
    expect_unchanged,
    validated_call,
)
from rnncourse.checking.draws import FixedDraw
from rnncourse.checking.gradcheck import relative_error
from rnncourse.checking.recurrent import forward_floor, hidden_kinds, random_dims, register
from rnncourse.checking.references import sibling

PEEPHOLE = "peephole_lstm_step_forward"
COUPLED = "coupled_lstm_step_forward"
OUTPUTS = ("h_next", "c_next")
ARG_NAMES = {PEEPHOLE: ("x", "h_prev", "c_prev", "Wx", "Wh", "b", "p"),
             COUPLED: ("x", "h_prev", "c_prev", "Wx", "Wh", "b")}
BLOCKS = {PEEPHOLE: 4, COUPLED: 3}
CASES = [
    ("N=3, D=4, H=5", {"N": 3, "D": 4, "H": 5}, 1300),
    ("N=1, D=2, H=3", {"N": 1, "D": 2, "H": 3}, 1301),
    ("N=2, D=5, H=2 (H < D)", {"N": 2, "D": 5, "H": 2}, 1302),
]
BIG = 1000.0  # a bias that pins a gate: sigmoid(+-1000) is exactly 1 or 0, tanh exactly +-1


def inputs(function: str, dims: dict, rng, scale: float = 1.0) -> tuple:
    """Arguments for ``function``: states of scale ~1, weights of scale 0.5 (times
    ``scale``), and for the peephole step p (3, H)."""
    N, D, H = dims["N"], dims["D"], dims["H"]
    kH = BLOCKS[function] * H
    args = [rng.normal(size=(N, D)) * scale, rng.normal(size=(N, H)) * scale,
            rng.normal(size=(N, H)) * 1.5 * scale,
            rng.normal(size=(D, kH)) * 0.5 * scale, rng.normal(size=(H, kH)) * 0.5 * scale,
            rng.normal(size=(kH,)) * 0.5 * scale]
    if function == PEEPHOLE:
        args.append(rng.normal(size=(3, H)) * 0.5 * scale)
    return tuple(args)


def copies(args: tuple) -> tuple:
    return tuple(np.array(arg, copy=True) for arg in args)


def _with_bias_blocks(args: tuple, H: int, blocks: dict[int, float]) -> tuple:
    changed = list(args)
    b = changed[5].copy()
    for block, value in blocks.items():
        b[block * H:(block + 1) * H] = value
    changed[5] = b
    return tuple(changed)


def values(function: str):
    def test(student, reference, policy):
        for label, dims, seed in CASES:
            args = inputs(function, dims, FixedDraw(seed))
            expect_matches(student, reference, function, args, policy.value_tolerance,
                           name=OUTPUTS, case=label, floor=forward_floor(args))

    return test


def unchanged(function: str):
    def test(student, reference, policy):
        label, dims, seed = CASES[0]
        args = inputs(function, dims, FixedDraw(seed))
        want = getattr(reference, function)(*copies(args))
        expect_unchanged(student.run(function, *args, watch=True), ARG_NAMES[function],
                         function, want, policy.value_tolerance)

    return test


def hidden(function: str, scale: float = 1.0):
    """Fresh random shapes (N = 1 and H != D among them), against the reference."""

    def test(student, reference, policy, rng):
        label = "a hidden case" + (" with large inputs" if scale > 1 else "")
        for kind in hidden_kinds(scale):
            dims = random_dims(rng, sequence=False, kind=kind)
            args = inputs(function, dims, rng, scale)
            expect_matches(student, reference, function, args, policy.value_tolerance,
                           name=OUTPUTS, case=label, floor=forward_floor(args))

    return test


def zero_peepholes(student, reference, policy):
    """With p = 0 the peephole step is the plain LSTM step (of solutions/lstm.py)."""
    plain = sibling(reference, "lstm.py")
    label, dims, seed = CASES[0]
    args = inputs(PEEPHOLE, dims, FixedDraw(seed + 10))
    args = (*args[:-1], np.zeros_like(args[-1]))
    got, want = validated_call(student, reference, PEEPHOLE, args, name=OUTPUTS,
                               case="p = 0, " + label)
    h, c, _ = plain.lstm_step_forward(*copies(args[:-1]))
    floor = forward_floor(args)
    for name, value, expected in zip(OUTPUTS, got, (h, c)):
        error = relative_error(value, expected, floor)
        if not error <= policy.value_tolerance:
            raise CheckFailed(
                f"with all peephole weights at 0, {name} should be the plain LSTM step's; "
                f"relative error {error:.1e} (tolerance {policy.value_tolerance:.0e}) — case: "
                f"p = 0, {label}",
                misconception=diagnose("lstm_variants", PEEPHOLE, args, got, want,
                                       reference=reference),
                hint="Peepholes only add p * c to the gates' pre-activations. With p = 0 what "
                     "is left is lstm_step_forward: blocks i, f, o, g in that order, "
                     "c_next = f * c_prev + i * g, h_next = o * tanh(c_next).")


def keeps_cell(student, reference, policy):
    """With f pinned to 1, c_next is c_prev exactly: nothing written, nothing lost."""
    label, dims, seed = CASES[0]
    args = _with_bias_blocks(inputs(COUPLED, dims, FixedDraw(seed + 20)), dims["H"], {0: BIG})
    got, want = validated_call(student, reference, COUPLED, args, name=OUTPUTS)
    c_prev = args[2]
    if not np.array_equal(got[1], c_prev):
        changed = int(np.sum(got[1] != c_prev))
        raise CheckFailed(
            f"with f = 1, c_next should equal c_prev exactly; {changed} of {c_prev.size} "
            f"entries differ — case: forget-gate bias +{BIG:g}, {label}",
            misconception=diagnose("lstm_variants", COUPLED, args, got, want,
                                   reference=reference),
            hint="c_next = f * c_prev + (1 - f) * g: with f = 1 the write term is exactly 0. "
                 "The forget gate is block 0 (columns 0:H) of Wx, Wh and b.")
    expect_right_result(got, want, COUPLED, policy.value_tolerance)


def one_minus_forget(student, reference, policy):
    """With c_prev = g = 1 (or both -1), c_next is 1 (or -1) whatever f is, exactly
    when the input gate is 1 - f: what f forgets, 1 - f writes."""
    label, dims, seed = CASES[0]
    H = dims["H"]
    for sign in (1.0, -1.0):
        args = _with_bias_blocks(inputs(COUPLED, dims, FixedDraw(seed + 30)), H,
                                 {2: sign * BIG})
        args = (*args[:2], np.full_like(args[2], sign), *args[3:])
        got, want = validated_call(student, reference, COUPLED, args, name=OUTPUTS)
        case = f"c_prev = {sign:+g} and g = {sign:+g} (candidate bias {sign * BIG:+g}), f varied"
        error = relative_error(got[1], args[2])
        if not error <= 1e-12:
            raise CheckFailed(
                f"c_next should be {sign:+g} everywhere, as f * c + (1 - f) * c = c; relative "
                f"error {error:.1e} — case: {case}",
                misconception=diagnose("lstm_variants", COUPLED, args, got, want,
                                       reference=reference),
                hint="In the coupled LSTM the input gate is not learned: it is 1 - f. "
                     "The weights of the two gates always add up to 1.")
        expect_right_result(got, want, COUPLED, policy.value_tolerance)


register(globals(), f"{PEEPHOLE}.values", values(PEEPHOLE), weight=3)
register(globals(), f"{PEEPHOLE}.zero-peepholes", zero_peepholes, weight=2)
register(globals(), f"{PEEPHOLE}.unchanged", unchanged(PEEPHOLE), weight=1)
register(globals(), f"{PEEPHOLE}.hidden", hidden(PEEPHOLE), weight=2, hidden=True)
register(globals(), f"{PEEPHOLE}.hidden-large", hidden(PEEPHOLE, 8.0), weight=2, hidden=True)
register(globals(), f"{COUPLED}.values", values(COUPLED), weight=3)
register(globals(), f"{COUPLED}.keeps-cell", keeps_cell, weight=2)
register(globals(), f"{COUPLED}.input-is-one-minus-forget", one_minus_forget, weight=2)
register(globals(), f"{COUPLED}.unchanged", unchanged(COUPLED), weight=1)
register(globals(), f"{COUPLED}.hidden", hidden(COUPLED), weight=1, hidden=True)
register(globals(), f"{COUPLED}.hidden-large", hidden(COUPLED, 8.0), weight=1, hidden=True)
del zero_peepholes, keeps_cell, one_minus_forget
