"""Checks for exercises/lstm.py: the LSTM step and sequence, forward and backward."""

import numpy as np

from rnncourse.checking import CheckFailed, expect_right_result
from rnncourse.checking.draws import FixedDraw
from rnncourse.checking.recurrent import (
    Case,
    chained_steps,
    recurrent_pair,
    register,
    run_forward,
    saturated_bias,
    standard_checks,
)

STEP, SEQUENCE = recurrent_pair("lstm", 4, cell_state=True)

standard_checks(globals(), STEP, sequence=False, seed=400)
standard_checks(globals(), SEQUENCE, sequence=True, seed=500)
register(globals(), "lstm_backward.chained-steps",
         chained_steps(STEP, SEQUENCE, Case("N=2, T=4, D=3, H=5",
                                            {"N": 2, "T": 4, "D": 3, "H": 5}, 600)),
         weight=2)


def keeps_cell(student, reference, policy):
    """With the forget gate at 1 and the input gate at 0, c_next is c_prev exactly:
    the additive path the gradient flows along."""
    dims = {"N": 3, "D": 4, "H": 5}
    args = saturated_bias(STEP, dims, FixedDraw(700), {0: -1000.0, 1: 1000.0})
    label = "forget-gate bias +1000, input-gate bias -1000"
    outputs, _, want = run_forward(student, reference, STEP, args, label)
    c_next, c_prev = outputs[1], args[2]
    if not np.array_equal(c_next, c_prev):
        changed = int(np.sum(c_next != c_prev))
        raise CheckFailed(
            f"with f = 1 and i = 0, c_next should equal c_prev exactly; {changed} of "
            f"{c_prev.size} entries differ — case: {label}",
            hint="c_next = f * c_prev + i * g. With f = 1 and i = 0 nothing may be added or "
                 "scaled: check that the forget gate is block 1 (columns H:2H) and the input "
                 "gate block 0, and that nothing else touches c.")
    expect_right_result(outputs, want, "(h_next, c_next)", policy.value_tolerance)


register(globals(), "lstm_step_forward.keeps-cell", keeps_cell, weight=2)
del keeps_cell
