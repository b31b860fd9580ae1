"""Checks for exercises/rnn.py: the vanilla RNN step, BPTT over a sequence."""

from rnncourse.checking.recurrent import (
         Case,
         chained_steps,
         recurrent_pair,
         register,
         standard_checks,
)

STEP, SEQUENCE = recurrent_pair("rnn", 1)

standard_checks(globals(), STEP, sequence=False, seed=100)
standard_checks(globals(), SEQUENCE, sequence=True, seed=200)
register(globals(), "rnn_backward.chained-steps",
         chained_steps(STEP, SEQUENCE, Case("N=2, T=4, D=3, H=5",
                                            {"N": 2, "T": 4, "D": 3, "H": 5}, 300)),
         weight=4)
