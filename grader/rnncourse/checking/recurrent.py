"""Checks shared by the recurrent-cell exercises (rnn, lstm, gru).

A ``Cell`` describes a forward function and its backward: argument names and
shapes, array outputs, gradients. The builders below turn it into checks:
forward values against the reference on fixed cases; the backward against
central differences of the student's own forward, taken in the judge from the
forward's outputs at points the check draws (counted only when the forward is
right, so a self-consistent wrong pair earns nothing, though the message says
the backward fits), and against the reference backward; arguments left
unchanged; and hidden checks on fresh random shapes and large inputs.

Mistake variants (rnncourse.mistakes.<exercise>) for a forward function take
its arguments and return its array outputs as a tuple (no cache); those for a
backward function take the forward's arguments followed by the upstream
gradients and return the gradients.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from rnncourse.checking import (
    CheckFailed,
    Student,
    StudentError,
    check,
    describe,
    diagnose,
    expect_kept_unchanged,
    expect_right_result,
    expect_unchanged,
    gradcheck,
)
from rnncourse.checking.draws import Draw, FixedDraw
from rnncourse.checking.gradcheck import relative_error
from rnncourse.checking.values import array_problem
from rnncourse.sandbox import protocol
from rnncourse.sandbox.calls import Call

if TYPE_CHECKING:
    from rnncourse.course.manifest import Policy

Dims = dict[str, int]


@dataclass(frozen=True)
class Arg:
    name: str
    shape: tuple[str, ...]  # symbols: N, T, D, H, or kH (the k gate blocks side by side)
    scale: float = 1.0


@dataclass(frozen=True)
class Cell:
    exercise: str
    forward: str
    backward: str
    inputs: tuple[Arg, ...]
    outputs: tuple[str, ...]  # the forward's arrays, returned before its cache
    output_shape: tuple[str, ...]
    grads: tuple[str, ...]  # the backward's results: one gradient per input, in order
    blocks: int  # k: 1 for the RNN, 4 for the LSTM, 3 for the GRU

    def size(self, symbol: str, dims: Dims) -> int:
        return self.blocks * dims["H"] if symbol == "kH" else dims[symbol]

    def shape(self, symbols: tuple[str, ...], dims: Dims) -> tuple[int, ...]:
        return tuple(self.size(symbol, dims) for symbol in symbols)

    def make_inputs(self, dims: Dims, rng: Draw, scale: float = 1.0) -> tuple:
        return tuple(rng.normal(size=self.shape(arg.shape, dims)) * arg.scale * scale
                     for arg in self.inputs)

    def make_upstream(self, dims: Dims, rng: Draw) -> tuple:
        return tuple(rng.normal(size=self.shape(self.output_shape, dims)) for _ in self.outputs)

    def output_shape_for(self, args: tuple) -> tuple[int, ...]:
        """The shape of each array output for inputs ``args`` (x first, then h)."""
        x, h = args[0], args[1]
        sizes = {"N": x.shape[0], "T": x.shape[1] if x.ndim == 3 else 0, "H": h.shape[-1]}
        return tuple(sizes[symbol] for symbol in self.output_shape)

    @property
    def arg_names(self) -> tuple[str, ...]:
        return tuple(arg.name for arg in self.inputs)

    @property
    def upstream_names(self) -> tuple[str, ...]:
        return tuple(f"d{name}" for name in self.outputs)


def recurrent_pair(exercise: str, blocks: int, cell_state: bool = False) -> tuple[Cell, Cell]:
    """The step and sequence Cells of a recurrent exercise whose functions follow
    the course's API: <exercise>_step_forward(x, h_prev[, c_prev], Wx, Wh, b),
    <exercise>_forward(x, h0, Wx, Wh, b) and their backwards."""
    weights = (Arg("Wx", ("D", "kH"), 0.5), Arg("Wh", ("H", "kH"), 0.5),
               Arg("b", ("kH",), 0.5))
    states = ("h", "c") if cell_state else ("h",)
    step = Cell(
        exercise=exercise, forward=f"{exercise}_step_forward",
        backward=f"{exercise}_step_backward",
        inputs=(Arg("x", ("N", "D")), *(Arg(f"{s}_prev", ("N", "H")) for s in states),
                *weights),
        outputs=tuple(f"{s}_next" for s in states), output_shape=("N", "H"),
        grads=("dx", *(f"d{s}_prev" for s in states), "dWx", "dWh", "db"), blocks=blocks,
    )
    sequence = Cell(
        exercise=exercise, forward=f"{exercise}_forward", backward=f"{exercise}_backward",
        inputs=(Arg("x", ("N", "T", "D")), Arg("h0", ("N", "H")), *weights),
        outputs=("h",), output_shape=("N", "T", "H"),
        grads=("dx", "dh0", "dWx", "dWh", "db"), blocks=blocks,
    )
    return step, sequence


@dataclass(frozen=True)
class Case:
    label: str
    dims: Dims
    seed: int


def step_cases(seed: int) -> list[Case]:
    return [
        Case("N=3, D=4, H=5", {"N": 3, "D": 4, "H": 5}, seed),
        Case("N=1, D=2, H=3", {"N": 1, "D": 2, "H": 3}, seed + 1),
        Case("N=2, D=5, H=2 (H < D)", {"N": 2, "D": 5, "H": 2}, seed + 2),
    ]


def sequence_cases(seed: int) -> list[Case]:
    return [
        Case("N=2, T=4, D=3, H=5", {"N": 2, "T": 4, "D": 3, "H": 5}, seed),
        Case("N=1, T=1, D=2, H=3 (one step)", {"N": 1, "T": 1, "D": 2, "H": 3}, seed + 1),
        Case("N=3, T=3, D=4, H=2 (H < D)", {"N": 3, "T": 3, "D": 4, "H": 2}, seed + 2),
    ]


def random_dims(rng: np.random.Generator, sequence: bool, kind: int = 2) -> Dims:
    """Fresh shapes for a hidden case, of a kind that every run covers: 0 is N = 1
    (and T = 1); 1 is N >= 2, T >= 2 and H != D (where a mistake in carrying a
    gradient over steps or summing over the batch shows); 2 is anything."""
    low = 2 if kind == 1 else 1
    dims = {"N": 1 if kind == 0 else int(rng.integers(low, 5)),
            "D": int(rng.integers(1, 7)), "H": int(rng.integers(1, 7))}
    if kind == 1 and dims["H"] == dims["D"]:
        dims["H"] = dims["D"] % 6 + 1
    if sequence:
        dims["T"] = 1 if kind == 0 else int(rng.integers(low, 7))
    return dims


# ----------------------------------------------------------------------------
# Calling forward and backward, validating what comes back


def run_forward(student: Student, reference: object | None, cell: Cell, args: tuple,
                case: str) -> tuple[tuple, protocol.Handle | object, tuple]:
    """The student's forward on ``args``: (array outputs, cache handle, reference
    outputs). Fails unless the outputs have the right types and shapes.

    With ``reference`` None the reference is not asked (the reference outputs
    are ()): for inputs made from the student's own outputs, which a student
    edition cannot have recorded."""
    return run_forwards(student, reference, cell, [(args, case)])[0]


def run_forwards(student: Student, reference: object | None, cell: Cell,
                 cases: list[tuple[tuple, str]]) -> list[tuple[tuple, object, tuple]]:
    """run_forward for several (args, case) at once, in one round trip."""
    keep = (len(cell.outputs),)
    results = student.run_batch([(cell.forward, args, keep) for args, _ in cases])
    return [_forward_outputs(reference, cell, args, case, result)
            for (args, case), result in zip(cases, results)]


def _forward_outputs(reference: object | None, cell: Cell, args: tuple, case: str,
                     result: Call | StudentError) -> tuple[tuple, object, tuple]:
    if isinstance(result, StudentError):
        raise result
    got = result.value
    want = () if reference is None else \
        tuple(getattr(reference, cell.forward)(*copies(args))[:len(cell.outputs)])
    expected = len(cell.outputs) + 1
    names = ", ".join((*cell.outputs, "cache"))
    if not isinstance(got, (tuple, list)) or len(got) != expected:
        raise CheckFailed(f"{cell.forward} returned {describe(got)}; expected a tuple "
                          f"({names}) — case: {case}")
    outputs = tuple(got[:len(cell.outputs)])
    shape = cell.output_shape_for(args)
    for name, value in zip(cell.outputs, outputs):
        _expect_array(value, shape, name, case,
                      lambda: None if reference is None else diagnose(
                          cell.exercise, cell.forward, args, outputs, want, reference=reference))
    return outputs, got[-1], want


def run_backward(student: Student, cell: Cell, args: tuple, upstream: tuple,
                 cache: object, case: str, diagnosis: Callable[[tuple], str | None]) -> tuple:
    """The student's backward for upstream gradients ``upstream``; fails unless it
    returns one array per input, each of that input's shape."""
    result = student.run_batch([(cell.backward, (*upstream, cache), ())])[0]
    return _backward_grads(cell, args, case, diagnosis, result)


def _backward_grads(cell: Cell, args: tuple, case: str,
                    diagnosis: Callable[[tuple], str | None], result: Call | StudentError
                    ) -> tuple:
    if isinstance(result, StudentError):
        raise result
    got = result.value
    if not isinstance(got, (tuple, list)) or len(got) != len(cell.grads):
        raise CheckFailed(f"{cell.backward} returned {describe(got)}; expected a tuple "
                          f"({', '.join(cell.grads)}) — case: {case}")
    grads = tuple(got)
    for name, value, arg in zip(cell.grads, grads, args):
        _expect_array(value, arg.shape, name, case, lambda: diagnosis(grads))
    return grads


def _expect_array(value: object, shape: tuple, name: str, case: str,
                  diagnosis: Callable[[], str | None]) -> None:
    problem = array_problem(value, shape, name)
    if problem:
        raise CheckFailed(f"{problem} — case: {case}", misconception=diagnosis())


def compare(names: tuple[str, ...], got: tuple, want: tuple, tolerance: float,
            case: str, what: str, floor: float = 0.0) -> str | None:
    """The first output that differs from ``want`` beyond ``tolerance``, as a message."""
    for name, got_value, want_value in zip(names, got, want):
        error = relative_error(got_value, want_value, floor)
        if not error <= tolerance:
            return (f"{name} differs from {what}: relative error {error:.1e} "
                    f"(tolerance {tolerance:.0e}) — case: {case}")
    return None


def forward_floor(args: tuple) -> float:
    """Rounding noise of a forward pass: hidden states live on a scale of 1, so
    outputs all far below it (closed gates) can differ by a few ulps of 1."""
    return gradcheck.noise_floor(args, (np.ones(1),))


def reference_backward(reference: object, cell: Cell, args: tuple, upstream: tuple) -> tuple:
    cache = getattr(reference, cell.forward)(*copies(args))[-1]
    return tuple(getattr(reference, cell.backward)(*copies(upstream), cache))


def copies(values: tuple) -> tuple:
    return tuple(np.array(value, copy=True) if isinstance(value, np.ndarray) else value
                 for value in values)


# ----------------------------------------------------------------------------
# Check builders


def forward_values(cell: Cell, cases: list[Case]) -> Callable:
    def test(student, reference, policy):
        inputs = [(cell.make_inputs(case.dims, FixedDraw(case.seed)), case.label)
                  for case in cases]
        _compare_forwards(student, reference, policy, cell, inputs)

    return test


def _compare_forwards(student: Student, reference: object, policy: Policy, cell: Cell,
                      inputs: list[tuple[tuple, str]]) -> None:
    for (args, label), (outputs, _, want) in zip(
            inputs, run_forwards(student, reference, cell, inputs)):
        problem = compare(cell.outputs, outputs, want, policy.value_tolerance, label,
                          "the expected values", forward_floor(args))
        if problem:
            raise CheckFailed(problem, misconception=diagnose(
                cell.exercise, cell.forward, args, outputs, want, reference=reference))


def forward_unchanged(cell: Cell, case: Case) -> Callable:
    """No argument modified, by a forward whose outputs are right (a property
    check must not reward code that does nothing)."""

    def test(student, reference, policy):
        args = cell.make_inputs(case.dims, FixedDraw(case.seed))
        call = student.run(cell.forward, *args, keep=(len(cell.outputs),), watch=True)
        expect_unchanged(call, cell.arg_names, cell.forward)
        want = tuple(getattr(reference, cell.forward)(*copies(args))[:len(cell.outputs)])
        got = tuple(call.value[:len(cell.outputs)]) if isinstance(call.value, tuple) else None
        expect_right_result(got, want, cell.forward, policy.value_tolerance)

    return test


def backward_gradient(cell: Cell, case: Case) -> Callable:
    """The backward against central differences of the student's own forward,
    computed here from the forward's outputs at points this check draws; it
    counts only when the forward is right (expect_gradient)."""

    def test(student, reference, policy):
        rng = FixedDraw(case.seed)
        args = cell.make_inputs(case.dims, rng)
        upstream = cell.make_upstream(case.dims, rng)
        probe = probe_forward(student, reference, cell, args, rng, case.label)
        diagnosis = _backward_diagnosis(cell, reference, args, upstream)
        grads = run_backward(student, cell, args, upstream, probe.cache, case.label, diagnosis)
        expect_gradient(reference, policy, cell, probe, upstream, grads, case.label, diagnosis)

    return test


@dataclass
class Probe:
    """The student's forward at ``args`` and at each point of a numeric gradient's
    plan (gradcheck.plan_perturbations): plain arrays, decoded in the judge."""

    args: tuple
    outputs: tuple  # at args
    cache: object  # its handle
    want: tuple  # the reference's outputs at args
    plan: list
    got: tuple  # the outputs at the plan's points: one array per output, one row per point


def probe_forward(student: Student, reference: object, cell: Cell, args: tuple, rng: Draw,
                  case: str, full_limit: int = gradcheck.FULL_LIMIT) -> Probe:
    """Call the student's forward at ``args`` and at the perturbed points a
    numeric gradient needs, all as ordinary calls of one batch, in an order
    drawn from ``rng``: the student's process cannot tell the call whose cache
    the backward gets from the others, nor a perturbation from a new case."""
    perturbations, plan = gradcheck.plan_perturbations(args, list(range(len(args))), rng,
                                                       full_limit=full_limit)
    everything = [args, *gradcheck.perturbed_points(args, perturbations)]
    order = np.argsort(rng.normal(size=len(everything)), kind="stable")
    keep = (len(cell.outputs),)
    results = student.run_batch([(cell.forward, everything[i], keep) for i in order])
    answers: list = [None] * len(everything)
    for position, index in enumerate(order):
        answers[index] = results[position]
    outputs, cache, want = _forward_outputs(reference, cell, args, case, answers[0])
    got = _perturbed_outputs(cell, want, answers[1:], case)
    return Probe(args, outputs, cache, want, plan, got)


def _perturbed_outputs(cell: Cell, want: tuple, results: list[Call | StudentError],
                       case: str) -> tuple:
    """The outputs at the perturbed points, stacked (one array per output); fails
    unless each point gave finite float64 arrays of the right shapes."""
    columns: list[list] = [[] for _ in cell.outputs]
    for result in results:
        if isinstance(result, StudentError):
            raise result
        got = result.value
        if not isinstance(got, (tuple, list)) or len(got) != len(cell.outputs) + 1:
            raise CheckFailed(f"{cell.forward} returned {describe(got)} on slightly changed "
                              "inputs; expected a tuple "
                              f"({', '.join((*cell.outputs, 'cache'))}) — case: {case}")
        for name, column, value, wanted in zip(cell.outputs, columns, got, want):
            if not (type(value) is np.ndarray and value.dtype == np.float64
                    and value.shape == wanted.shape):
                raise CheckFailed(f"on slightly changed inputs, "
                                  f"{array_problem(value, wanted.shape, name)} — case: {case}")
            column.append(value)
    stacked = tuple(np.stack(column) if column else np.zeros((0, *wanted.shape))
                    for column, wanted in zip(columns, want))
    for name, rows in zip(cell.outputs, stacked):
        if not np.isfinite(rows).all():
            bad = next(row for row in rows if not np.isfinite(row).all())
            raise CheckFailed(f"on slightly changed inputs, "
                              f"{array_problem(bad, bad.shape, name)} — case: {case}")
    return stacked


def numeric_gradient_errors(probe: Probe, upstream: tuple, grads: tuple) -> dict:
    """{input index: (relative error, mode)} of the student's gradients against
    central differences of the student's forward outputs in ``probe``."""
    return gradcheck.compare_with_numeric(probe.plan, gradcheck.losses(probe.got, upstream),
                                          dict(enumerate(grads)))


def expect_gradient(reference: object, policy: Policy, cell: Cell, probe: Probe,
                    upstream: tuple, grads: tuple, case: str,
                    diagnosis: Callable[[tuple], str | None]) -> None:
    """Fail unless the forward is right at the probe's arguments, the central
    differences of its outputs at the probe's points agree with the true
    gradient (the reference backward's, along the same entries and directions),
    and the student's gradients agree with those central differences.
    Everything here is computed in the judge: the student's process only
    answered ordinary calls, and an answer that moves the central differences
    (a perturbation told apart and answered falsely) fails the second test."""
    tolerance = policy.gradient_tolerance
    errors = numeric_gradient_errors(probe, upstream, grads)
    disagreement = next((_gradient_message(cell, index, error, mode, tolerance, case)
                         for index, (error, mode) in errors.items() if not error <= tolerance),
                        None)
    wrong = compare(cell.outputs, probe.outputs, probe.want, policy.value_tolerance, case,
                    "the expected values", forward_floor(probe.args))
    if wrong:
        verdict = (f"your {cell.backward} does agree with the numeric gradient of your "
                   f"{cell.forward}" if disagreement is None else
                   "besides, " + disagreement.split(" — case:")[0])
        raise CheckFailed(f"{cell.forward} is not right yet: {wrong}. This check counts only "
                          f"when {cell.forward} is right too; {verdict}.",
                          misconception=diagnose(cell.exercise, cell.forward, probe.args,
                                                 probe.outputs, probe.want, reference=reference))
    numeric = gradcheck.numeric_estimates(probe.plan, gradcheck.losses(probe.got, upstream))
    truth = gradcheck.in_plan_terms(probe.plan, dict(enumerate(
        reference_backward(reference, cell, probe.args, upstream))))
    for index, estimate in numeric.items():
        error = relative_error(estimate, truth[index])
        if not error <= tolerance:
            raise CheckFailed(
                f"on slightly changed inputs, the outputs of your {cell.forward} do not change "
                f"as they should: their central differences in {cell.inputs[index].name} "
                f"differ from the true gradient (relative error {error:.1e}, tolerance "
                f"{tolerance:.0e}), though its outputs at the case itself are right — case: "
                f"{case}")
    if disagreement:
        raise CheckFailed(disagreement, misconception=diagnosis(grads))


def _gradient_message(cell: Cell, index: int, error: float, mode: str, tolerance: float,
                      case: str) -> str:
    how = "numeric gradient" if mode == "full" else "numeric gradient along random directions"
    return (f"{cell.grads[index]} differs from the {how} of your {cell.forward}: relative "
            f"error {error:.1e} (tolerance {tolerance:.0e}) — case: {case}")


def backward_values(cell: Cell, cases: list[Case]) -> Callable:
    """The backward against the reference's, on the same inputs."""

    def test(student, reference, policy):
        items = []
        for case in cases:
            rng = FixedDraw(case.seed)
            args = cell.make_inputs(case.dims, rng)
            items.append((args, cell.make_upstream(case.dims, rng), case.label))
        check_backwards_against_reference(student, reference, policy, cell, items)

    return test


def check_backwards_against_reference(student: Student, reference: object, policy: Policy,
                                      cell: Cell, items: list[tuple[tuple, tuple, str]]) -> None:
    """For each (args, upstream, case): the student's forward then backward,
    against the reference backward. Two round trips for all the cases."""
    forwards = run_forwards(student, reference, cell, [(args, label) for args, _, label in items])
    results = student.run_batch([(cell.backward, (*upstream, cache), ())
                                 for (_, upstream, _), (_, cache, _) in zip(items, forwards)])
    for (args, upstream, label), (outputs, _, want_outputs), result in zip(
            items, forwards, results):
        diagnosis = _backward_diagnosis(cell, reference, args, upstream)
        grads = _backward_grads(cell, args, label, diagnosis, result)
        want = reference_backward(reference, cell, args, upstream)
        problem = compare(cell.grads, grads, want, policy.gradient_tolerance, label,
                          "the reference gradient", gradcheck.noise_floor(args, upstream))
        if problem:
            if compare(cell.outputs, outputs, want_outputs, policy.value_tolerance, label, "",
                       forward_floor(args)):
                problem += f" (your {cell.forward} differs from the reference too: fix it first)"
            raise CheckFailed(problem, misconception=diagnosis(grads))


def _backward_diagnosis(cell: Cell, reference: object, args: tuple,
                        upstream: tuple) -> Callable[[tuple], str | None]:
    def named(grads: tuple) -> str | None:
        want = reference_backward(reference, cell, args, upstream)
        return diagnose(cell.exercise, cell.backward, (*args, *upstream), grads, want,
                        reference=reference)

    return named


def backward_unchanged(cell: Cell, case: Case) -> Callable:
    """The backward leaves its upstream gradients and its cache as they were:
    the upstream gradients come back as they were sent, and a second call on the
    same cache finds it as the first left it and gives the same gradients."""

    def test(student, reference, policy):
        rng = FixedDraw(case.seed)
        args = cell.make_inputs(case.dims, rng)
        upstream = cell.make_upstream(case.dims, rng)
        _, cache, _ = run_forward(student, reference, cell, args, case.label)
        names = (*cell.upstream_names, "cache")
        first = student.run(cell.backward, *upstream, cache, watch=True)
        expect_unchanged(first, names, cell.backward)
        second = student.run(cell.backward, *upstream, cache, watch=True)
        expect_unchanged(second, names, cell.backward)
        expect_kept_unchanged(first, second, names, cell.backward)
        if not _same(first.value, second.value):
            raise CheckFailed(f"calling {cell.backward} twice on the same cache gave different "
                              "gradients: the first call changed something in the cache",
                              misconception="mutates-input")
        want = reference_backward(reference, cell, args, upstream)
        expect_right_result(first.value, want, cell.backward, policy.gradient_tolerance)

    return test


def _same(a: object, b: object) -> bool:
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        return a.shape == b.shape and np.array_equal(a, b, equal_nan=True)
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


def hidden_kinds(scale: float) -> tuple[int, ...]:
    """The kinds of hidden case (random_dims) a hidden check draws: both edges
    of the shapes; with large inputs, two general cases: large inputs saturate
    most gates, and about one case in a hundred leaves too little unsaturated
    to tell a wrong forward's gradients from the right ones."""
    return (1, 1) if scale > 1 else (0, 1)


def hidden_forward(cell: Cell, sequence: bool, scale: float = 1.0) -> Callable:
    """Fresh random shapes and values (hidden), compared with the reference."""
    label = "a hidden case" + (" with large inputs" if scale > 1 else "")

    def test(student, reference, policy, rng):
        inputs = [(cell.make_inputs(random_dims(rng, sequence, kind), rng, scale), label)
                  for kind in hidden_kinds(scale)]
        _compare_forwards(student, reference, policy, cell, inputs)

    return test


def hidden_backward(cell: Cell, sequence: bool, scale: float = 1.0) -> Callable:
    label = "a hidden case" + (" with large inputs" if scale > 1 else "")

    def test(student, reference, policy, rng):
        items = []
        for kind in hidden_kinds(scale):
            dims = random_dims(rng, sequence, kind)
            items.append((cell.make_inputs(dims, rng, scale), cell.make_upstream(dims, rng),
                          label))
        check_backwards_against_reference(student, reference, policy, cell, items)

    return test


def register(namespace: dict, check_id: str, test: Callable, **options) -> None:
    """Add ``test`` to a check module under a pytest-style name, marked as a check."""
    name = "test_" + check_id.replace(".", "_").replace("-", "_")
    namespace[name] = check(check_id, **options)(test)


def standard_checks(namespace: dict, cell: Cell, sequence: bool, seed: int,
                    weights: dict[str, float] | None = None) -> None:
    """The usual set of checks for one forward/backward pair."""
    weights = {"values": 3, "gradient": 4, "backward-values": 3, "unchanged": 1,
               "backward-unchanged": 1, "hidden": 2, "hidden-large": 1, **(weights or {})}
    cases = sequence_cases(seed) if sequence else step_cases(seed)
    forward, backward = cell.forward, cell.backward
    register(namespace, f"{forward}.values", forward_values(cell, cases),
             weight=weights["values"])
    register(namespace, f"{forward}.unchanged", forward_unchanged(cell, cases[0]),
             weight=weights["unchanged"])
    register(namespace, f"{forward}.hidden", hidden_forward(cell, sequence),
             weight=weights["hidden"], hidden=True)
    register(namespace, f"{forward}.hidden-large", hidden_forward(cell, sequence, scale=8.0),
             weight=weights["hidden-large"], hidden=True)
    register(namespace, f"{backward}.gradient", backward_gradient(cell, cases[0]),
             weight=weights["gradient"])
    register(namespace, f"{backward}.values", backward_values(cell, cases),
             weight=weights["backward-values"])
    register(namespace, f"{backward}.unchanged", backward_unchanged(cell, cases[0]),
             weight=weights["backward-unchanged"])
    register(namespace, f"{backward}.hidden", hidden_backward(cell, sequence),
             weight=weights["hidden"], hidden=True)
    register(namespace, f"{backward}.hidden-large", hidden_backward(cell, sequence, scale=8.0),
             weight=weights["hidden-large"], hidden=True)


def chained_steps(step: Cell, sequence: Cell, case: Case) -> Callable:
    """The sequence backward agrees with the student's own step backward chained
    over the steps by hand (the BPTT property), state gradients carried along."""
    n_state = len(step.outputs)  # h, or h and c

    def test(student, reference, policy):
        rng = FixedDraw(case.seed)
        args = sequence.make_inputs(case.dims, rng)
        upstream = sequence.make_upstream(case.dims, rng)
        x, h0, *weights = args
        _, cache, _ = run_forward(student, reference, sequence, args, case.label)
        whole = run_backward(student, sequence, args, upstream, cache, case.label,
                             lambda grads: None)
        _expect_right_step(student, reference, policy, step, case)
        # The states below come from the student's own steps: the reference is
        # never asked about them (a student edition has it only on fixed inputs).
        state = (h0, *[np.zeros_like(h0)] * (n_state - 1))
        steps = []
        for t in range(x.shape[1]):
            step_args = (x[:, t], *state, *weights)
            state, step_cache, _ = run_forward(student, None, step, step_args, case.label)
            steps.append((step_args, step_cache))
        dx = np.zeros_like(x)
        carried = [np.zeros_like(h0)] * n_state
        totals = [np.zeros_like(w) for w in weights]
        for t in reversed(range(x.shape[1])):
            step_args, step_cache = steps[t]
            step_upstream = (upstream[0][:, t] + carried[0], *carried[1:])
            grads = run_backward(student, step, step_args, step_upstream, step_cache,
                                 case.label, lambda grads: None)
            dx[:, t] = grads[0]
            carried = list(grads[1:1 + n_state])
            totals = [total + g for total, g in zip(totals, grads[1 + n_state:])]
        chained = (dx, carried[0], *totals)
        floor = gradcheck.noise_floor(args, upstream)
        for name, got, want in zip(sequence.grads, whole, chained):
            error = relative_error(got, want, floor)
            if not error <= policy.gradient_tolerance:
                raise CheckFailed(
                    f"{sequence.backward}'s {name} differs from chaining your {step.backward} "
                    f"over the steps: relative error {error:.1e} (tolerance "
                    f"{policy.gradient_tolerance:.0e}) — case: {case.label}",
                    hint="Walk t from T-1 down to 0; at each step add dh[:, t] to the state "
                         "gradient coming back from step t+1, and add up dWx, dWh and db.",
                    misconception=_backward_diagnosis(sequence, reference, args, upstream)(whole))

    return test


def _expect_right_step(student: Student, reference: object, policy: Policy, step: Cell,
                       case: Case) -> None:
    """The chained-steps property is about chaining a right step: the step
    backward must be right first, on a fixed step case of the same sizes."""
    dims = {name: case.dims[name] for name in ("N", "D", "H")}
    rng = FixedDraw(case.seed + 1)
    args, upstream = step.make_inputs(dims, rng), step.make_upstream(dims, rng)
    _, cache, _ = run_forward(student, None, step, args, case.label)
    grads = run_backward(student, step, args, upstream, cache, case.label, lambda grads: None)
    if compare(step.grads, grads, reference_backward(reference, step, args, upstream),
               policy.gradient_tolerance, case.label, "", gradcheck.noise_floor(args, upstream)):
        raise CheckFailed(f"{step.backward} is not right yet; this check chains it over the "
                          f"steps, so fix {step.backward} first")


def saturated_bias(cell: Cell, dims: Dims, rng: Draw,
                   blocks: dict[int, float]) -> tuple:
    """Inputs whose bias pins some gate blocks: {block index: bias value}."""
    args = list(cell.make_inputs(dims, rng))
    H = dims["H"]
    bias = args[-1].copy()
    for block, value in blocks.items():
        bias[block * H:(block + 1) * H] = value
    args[-1] = bias
    return tuple(args)
