"""Checks for exercises/gru.py: the (1 - z) update, the GRU step and sequence."""

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
from rnncourse.checking.recurrent import (
    Case,
    chained_steps,
    recurrent_pair,
    register,
    run_forward,
    saturated_bias,
    standard_checks,
)

STEP, SEQUENCE = recurrent_pair("gru", 3)
UPDATE_HINT = ("This course writes h_next = (1 - z) * h_prev + z * h_tilde: z = 1 takes the "
               "candidate. PyTorch and Cho et al. (2014) write the mirror image, "
               "z * h_prev + (1 - z) * h_tilde; both are the same model with z and 1 - z "
               "swapped, but the checks follow the course's convention.")


def _update_inputs(seed, z=None, shape=(3, 4)):
    draw = FixedDraw(seed)
    h_prev, h_tilde = draw.normal(size=shape), np.tanh(draw.normal(size=shape))
    gate = 0.05 + 0.9 / (1 + np.exp(-draw.normal(size=shape))) if z is None \
        else np.full(shape, float(z))
    return h_prev, h_tilde, gate


# gru_update -------------------------------------------------------------------


def update_values(student, reference, policy):
    for seed, shape in ((800, (3, 4)), (801, (1, 6))):
        expect_matches(student, reference, "gru_update", _update_inputs(seed, shape=shape),
                       policy.value_tolerance, name="h_next", case=f"z in (0, 1), shape {shape}")


def _right_in_general(student, reference, policy):
    """Exact behaviour at z = 0 or 1 counts only from an update that is right in
    between (returning h_prev always is not a GRU)."""
    args = _update_inputs(805)
    got, want = validated_call(student, reference, "gru_update", args, name="h_next")
    expect_right_result(got, want, "h_next for z in (0, 1)", policy.value_tolerance)


def update_keeps_h(student, reference, policy):
    args = _update_inputs(802, z=0.0)
    got, want = validated_call(student, reference, "gru_update", args, name="h_next")
    if not np.array_equal(got, args[0]):
        raise CheckFailed("with z = 0, gru_update should return h_prev exactly; it does not",
                          misconception=diagnose("gru", "gru_update", args, got, want,
                                                 reference=reference), hint=UPDATE_HINT)
    _right_in_general(student, reference, policy)


def update_takes_candidate(student, reference, policy):
    args = _update_inputs(803, z=1.0)
    got, want = validated_call(student, reference, "gru_update", args, name="h_next")
    error = relative_error(got, args[1])
    if not error <= policy.value_tolerance:
        raise CheckFailed(f"with z = 1, gru_update should return h_tilde; relative error "
                          f"{error:.1e} (tolerance {policy.value_tolerance:.0e})",
                          misconception=diagnose("gru", "gru_update", args, got, want,
                                                 reference=reference), hint=UPDATE_HINT)
    _right_in_general(student, reference, policy)


def update_unchanged(student, reference, policy):
    args = _update_inputs(804)
    call = student.run("gru_update", *args, watch=True)
    expect_unchanged(call, ("h_prev", "h_tilde", "z"), "gru_update")
    expect_right_result(call.value, reference.gru_update(*args), "h_next",
                        policy.value_tolerance)


def update_hidden(student, reference, policy, rng):
    shape = (int(rng.integers(1, 6)), int(rng.integers(1, 8)))
    expect_matches(student, reference, "gru_update",
                   _update_inputs(int(rng.integers(2**31)), shape=shape),
                   policy.value_tolerance, name="h_next", case="a hidden case")


register(globals(), "gru_update.values", update_values, weight=3, hint=UPDATE_HINT)
register(globals(), "gru_update.z0-keeps-h", update_keeps_h, weight=2)
register(globals(), "gru_update.z1-takes-candidate", update_takes_candidate, weight=1)
register(globals(), "gru_update.unchanged", update_unchanged, weight=1)
register(globals(), "gru_update.hidden", update_hidden, weight=1, hidden=True)

# steps and sequences -----------------------------------------------------------

standard_checks(globals(), STEP, sequence=False, seed=900)
standard_checks(globals(), SEQUENCE, sequence=True, seed=1000)
register(globals(), "gru_backward.chained-steps",
         chained_steps(STEP, SEQUENCE, Case("N=2, T=4, D=3, H=5",
                                            {"N": 2, "T": 4, "D": 3, "H": 5}, 1100)),
         weight=2)


def update_gate_extremes(student, reference, policy):
    """z pinned to 0 keeps h_prev exactly; z pinned to 1 gives the candidate."""
    dims = {"N": 3, "D": 4, "H": 5}
    for z_bias, label in ((-1000.0, "update-gate bias -1000 (z = 0)"),
                          (1000.0, "update-gate bias +1000 (z = 1)")):
        args = saturated_bias(STEP, dims, FixedDraw(1200), {0: z_bias})
        (h_next,), _, (want,) = run_forward(student, reference, STEP, args, label)
        h_prev = args[1]
        if z_bias < 0 and np.array_equal(h_next, h_prev):
            continue
        if z_bias > 0 and relative_error(h_next, want) <= policy.value_tolerance:
            continue
        expected = "h_prev exactly" if z_bias < 0 else "the candidate h_tilde"
        raise CheckFailed(
            f"h_next should be {expected} — case: {label}",
            misconception=diagnose("gru", "gru_step_forward", args, (h_next,), (want,),
                                   reference=reference), hint=UPDATE_HINT)


register(globals(), "gru_step_forward.gate-extremes", update_gate_extremes, weight=2)
del (update_values, update_keeps_h, update_takes_candidate, update_unchanged, update_hidden,
     update_gate_extremes)
