"""Checks for exercises/rnn.py: the vanilla RNN step, BPTT over a sequence."""

from rnncourse.cells import Arg, Case, Cell, chained_steps, register, standard_checks

WEIGHTS = (Arg("Wx", ("D", "kH"), 0.5), Arg("Wh", ("H", "kH"), 0.5), Arg("b", ("kH",), 0.5))

STEP = Cell(
    exercise="rnn", forward="rnn_step_forward", backward="rnn_step_backward",
    inputs=(Arg("x", ("N", "D")), Arg("h_prev", ("N", "H")), *WEIGHTS),
    outputs=("h_next",), output_shape=("N", "H"),
    grads=("dx", "dh_prev", "dWx", "dWh", "db"), blocks=1,
)
SEQUENCE = Cell(
    exercise="rnn", forward="rnn_forward", backward="rnn_backward",
    inputs=(Arg("x", ("N", "T", "D")), Arg("h0", ("N", "H")), *WEIGHTS),
    outputs=("h",), output_shape=("N", "T", "H"),
    grads=("dx", "dh0", "dWx", "dWh", "db"), blocks=1,
)

standard_checks(globals(), STEP, sequence=False, seed=100)
standard_checks(globals(), SEQUENCE, sequence=True, seed=200)
register(globals(), "rnn_backward.chained-steps",
         chained_steps(STEP, SEQUENCE, Case("N=2, T=4, D=3, H=5",
                                            {"N": 2, "T": 4, "D": 3, "H": 5}, 300)),
         weight=4)
