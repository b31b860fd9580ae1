"""Every numeric answer of the quiz bank, recomputed: the test holds the formula,
the bank holds the number, and the two must agree within the question's
tolerance. Where the course's reference code can compute the number (a
backward pass, a parameter count from the shapes the cells accept), it does.

The bank is read as plain TOML and the solutions are loaded by path, so this
file does not depend on how the rnncourse package is laid out.
"""

import importlib.util
import math
import tomllib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
QUESTIONS = tomllib.loads((ROOT / "quiz" / "bank.toml").read_text(encoding="utf-8"))["question"]
NUMERIC = {q["id"]: q for q in QUESTIONS if q["kind"] == "numeric"}

FORMULAS: dict[str, Callable[[], float]] = {}
# Numeric answers that are a definition rather than a computation.
NO_FORMULA = {
    "beyond-attention-path": "one attention step links any two positions, by definition",
}


def formula(question_id: str):
    def register(function: Callable[[], float]) -> Callable[[], float]:
        FORMULAS[question_id] = function
        return function
    return register


def solution(name: str):
    spec = importlib.util.spec_from_file_location(f"bank_numbers_{name}",
                                                  ROOT / "solutions" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def logit(p):
    return math.log(p / (1 - p))


def one(value) -> np.ndarray:
    """A (1, 1) array: one batch row, one unit."""
    return np.full((1, 1), float(value))


def parameters(blocks: int, D: int, H: int, biases: int = 1) -> int:
    """Entries of Wx (D, kH), Wh (H, kH) and the bias vectors (kH,), after checking
    that the reference cell with that many blocks accepts those shapes."""
    x, h = np.zeros((2, D)), np.zeros((2, H))
    Wx, Wh, b = np.zeros((D, blocks * H)), np.zeros((H, blocks * H)), np.zeros(blocks * H)
    if blocks == 1:
        solution("rnn").rnn_step_forward(x, h, Wx, Wh, b)
    elif blocks == 3:
        solution("gru").gru_step_forward(x, h, Wx, Wh, b)
    else:
        solution("lstm").lstm_step_forward(x, h, h, Wx, Wh, b)
    return Wx.size + Wh.size + biases * b.size


# --- rnn and vanishing ------------------------------------------------------------------------


@formula("rnn-bptt-tanh-step")
def _():
    rnn = solution("rnn")  # h = tanh(b) = 0.6 with x = h_prev = 0; db is dL/da
    h, cache = rnn.rnn_step_forward(one(0), one(0), one(1), one(0), np.full(1, math.atanh(0.6)))
    assert math.isclose(h.item(), 0.6)
    return rnn.rnn_step_backward(one(2.0), cache)[4].item()


@formula("vanishing-fifty-steps")
def _():
    rnn = solution("rnn")  # states stay 0, so tanh' = 1 and w = 0.9 per step
    T = 50
    _, cache = rnn.rnn_forward(np.zeros((1, T, 1)), one(0), one(1), one(0.9), np.zeros(1))
    dh = np.zeros((1, T, 1))
    dh[0, -1, 0] = 1.0
    return rnn.rnn_backward(dh, cache)[1].item()


@formula("vanishing-two-step-product")
def _():
    rnn = solution("rnn")  # h_0 = 0 (h_{t-2}), h_1 = 0.6 (h_{t-1}), h_2 = 0.5 (h_t)
    w = 0.8
    x = np.array([math.atanh(0.6), math.atanh(0.5) - w * 0.6]).reshape(1, 2, 1)
    h, cache = rnn.rnn_forward(x, one(0), one(1), one(w), np.zeros(1))
    assert np.allclose(h.ravel(), [0.6, 0.5])
    dh = np.zeros((1, 2, 1))
    dh[0, 1, 0] = 1.0
    return rnn.rnn_backward(dh, cache)[1].item()


@formula("vanishing-bptt-sum-count")
def _():
    T = 6
    return len([(t, k) for t in range(1, T + 1) for k in range(1, t + 1)])


def derivative_peak(function) -> float:
    return float(np.max(function(np.linspace(-5, 5, 100001))))


@formula("vanishing-sigmoid-peak")
def _():
    return derivative_peak(solution("activations").sigmoid_derivative)


@formula("vanishing-tanh-peak")
def _():
    return derivative_peak(solution("activations").tanh_derivative)


@formula("vanishing-sigmoid-threshold")
def _():
    return 1.0 / derivative_peak(solution("activations").sigmoid_derivative)


@formula("vanishing-spectral-example")
def _():
    return float(max(abs(np.linalg.eigvals(np.array([[0.9, 3.0], [0.0, 0.9]])))))


# --- remedies ---------------------------------------------------------------------------------


@formula("remedies-squared-norm-result")
def _():
    g = np.array([6.0, 8.0])  # norm 10
    return float(np.linalg.norm(g * (5.0 / np.sum(g * g))))


@formula("remedies-global-norm")
def _():
    return solution("clipping").global_norm({"dW": np.array([[3.0, 0.0]]), "db": np.array([4.0])})


@formula("remedies-clip-factor")
def _():
    grads = {"a": np.array([12.0, 0.0]), "b": np.array([16.0])}  # global norm 20
    clipped, norm = solution("clipping").clip_by_global_norm(grads, 5.0)
    assert norm == 20.0
    return float(clipped["a"][0] / grads["a"][0])


@formula("remedies-clip-value-bound")
def _():
    return float(np.linalg.norm(np.clip(np.full(100, 7.0), -1.0, 1.0)))  # every entry at +-c


@formula("remedies-truncation-reach")
def _():
    k, T = 100, 10_000
    # a loss at step t reaches back only to the start of its chunk: t % k steps
    return float(np.mean([t % k for t in range(T)]))


@formula("remedies-forget-bias")
def _():
    lstm = solution("lstm")
    b = np.array([0.0, 1.0, 0.0, 0.0])  # blocks i, f, o, g: zero weights, forget bias 1
    c_next = lstm.lstm_step_forward(one(0), one(0), one(1), np.zeros((1, 4)), np.zeros((1, 4)),
                                    b)[1]
    return c_next.item()  # f * c_prev + i * tanh(0) = f, with c_prev = 1


# --- lstm and gates ---------------------------------------------------------------------------


@formula("lstm-cell-value")
def _():
    f, c_prev, i, g = 0.5, 2.0, 0.5, -1.0
    return f * c_prev + i * g


@formula("lstm-dc-prev-value")
def _():
    lstm = solution("lstm")  # o = 0.5 (a_o = 0), f = 0.8, c_prev = 0 and g = 0 so c_next = 0
    b = np.array([0.0, logit(0.8), 0.0, 0.0])
    h, c, cache = lstm.lstm_step_forward(one(0), one(0), one(0), np.zeros((1, 4)),
                                         np.zeros((1, 4)), b)
    assert c.item() == 0.0
    return lstm.lstm_step_backward(one(2.0), one(1.0), cache)[2].item()


@formula("lstm-decay-hundred")
def _():
    return 0.9 ** 100


@formula("lstm-forget-half")
def _():
    k = 0
    while 0.99 ** k >= 0.5:
        k += 1
    return k


@formula("gates-saturated-derivative")
def _():
    s = 0.99
    return s * (1 - s)


@formula("gates-forget-bias-three")
def _():
    return float(solution("activations").sigmoid_derivative(np.array(3.0)))


# --- gru --------------------------------------------------------------------------------------


@formula("gru-update-value")
def _():
    return solution("gru").gru_update(one(2.0), one(-2.0), one(0.25)).item()


@formula("gru-paths")
def _():
    """Build the terms of dh_prev one by one and count them; together they must
    give the reference dh_prev, and each must matter."""
    gru = solution("gru")
    rng = np.random.default_rng(0)
    N, D, H = 2, 3, 4
    x, h_prev = rng.normal(size=(N, D)), rng.normal(size=(N, H))
    Wx, Wh, b = rng.normal(size=(D, 3 * H)), rng.normal(size=(H, 3 * H)), rng.normal(size=3 * H)
    dh = rng.normal(size=(N, H))
    Wh_z, Wh_r, Wh_n = Wh[:, :H], Wh[:, H:2 * H], Wh[:, 2 * H:]
    a = x @ Wx + b
    z = sigmoid(a[:, :H] + h_prev @ Wh_z)
    r = sigmoid(a[:, H:2 * H] + h_prev @ Wh_r)
    h_tilde = np.tanh(a[:, 2 * H:] + (r * h_prev) @ Wh_n)
    da_n = dh * z * (1 - h_tilde ** 2)
    drh = da_n @ Wh_n.T
    terms = [dh * (1 - z),                                         # direct path
             drh * r,                                              # h_prev in r * h_prev
             (dh * (h_tilde - h_prev) * z * (1 - z)) @ Wh_z.T,     # through z
             (drh * h_prev * r * (1 - r)) @ Wh_r.T]                # through r
    _, cache = gru.gru_step_forward(x, h_prev, Wx, Wh, b)
    expected = gru.gru_step_backward(dh, cache)[1]
    assert np.allclose(sum(terms), expected, rtol=1e-12, atol=1e-12)
    assert all(np.abs(term).max() > 1e-3 for term in terms)
    return len(terms)


@formula("gru-direct-decay")
def _():
    """With Wh = 0 only the direct path carries dh back; z = 0.1 at every step."""
    gru = solution("gru")
    T, H = 20, 1
    b = np.zeros(3 * H)
    b[:H] = logit(0.1)
    _, cache = gru.gru_forward(np.zeros((1, T, 1)), one(0.5), np.zeros((1, 3)), np.zeros((1, 3)), b)
    dh = np.zeros((1, T, 1))
    dh[0, -1, 0] = 1.0
    return gru.gru_backward(dh, cache)[1].item()


@formula("gru-param-count")
def _():
    return parameters(3, 10, 20)


# --- variants and params ----------------------------------------------------------------------


@formula("variants-peephole-params")
def _():
    H = 20
    p = np.zeros((3, H))  # the shape peephole_lstm_step_forward takes
    solution("lstm_variants").peephole_lstm_step_forward(
        np.zeros((1, 10)), np.zeros((1, H)), np.zeros((1, H)), np.zeros((10, 4 * H)),
        np.zeros((H, 4 * H)), np.zeros(4 * H), p)
    return p.size


@formula("variants-coupled-params")
def _():
    D, H = 10, 20
    Wx, Wh, b = np.zeros((D, 3 * H)), np.zeros((H, 3 * H)), np.zeros(3 * H)
    solution("lstm_variants").coupled_lstm_step_forward(np.zeros((1, D)), np.zeros((1, H)),
                                                        np.zeros((1, H)), Wx, Wh, b)
    return Wx.size + Wh.size + b.size


@formula("params-rnn")
def _():
    return parameters(1, 10, 20)


@formula("params-lstm")
def _():
    return parameters(4, 10, 20)


@formula("params-pytorch-lstm")
def _():
    return parameters(4, 10, 20, biases=2)  # b_ih and b_hh


@formula("params-pytorch-gru")
def _():
    return parameters(3, 10, 20, biases=2)


@formula("params-second-layer")
def _():
    return parameters(4, 20, 20)  # its input is the first layer's H


# --- practice and beyond ----------------------------------------------------------------------


@formula("practice-window-count")
def _():
    series, T = np.arange(1000.0), 60
    return len([series[s:s + T] for s in range(len(series) - T)])


@formula("practice-local-gru-dz")
def _():
    update, eps = solution("gru").gru_update, 1e-6
    at = lambda z: update(one(1.0), one(0.2), one(z)).item()  # noqa: E731
    return (at(0.3 + eps) - at(0.3 - eps)) / (2 * eps)


@formula("practice-bidirectional-middle")
def _():
    T, m = 101, 51
    return min(T - m, m - 1)  # steps to the forward pass's end, and to the backward pass's


@formula("beyond-skip-jacobians")
def _():
    step, hops = 100, 0
    while step > 0:  # follow the skip connection h_{t-10} -> h_t backwards
        step -= 10
        hops += 1
    return hops


@formula("beyond-leaky-factor")
def _():
    """d h_20 / d h_0 of a leaky unit whose tanh part does not read h (Wh = 0)."""
    alpha, eps = 0.05, 1e-6

    def run(h):
        for _ in range(20):
            h = (1 - alpha) * h + alpha * math.tanh(0.3)
        return h

    return (run(0.2 + eps) - run(0.2 - eps)) / (2 * eps)


# --- the tests --------------------------------------------------------------------------------


def test_every_numeric_question_has_a_formula():
    assert set(NUMERIC) - set(FORMULAS) - set(NO_FORMULA) == set(), "add its formula here"
    assert set(FORMULAS) <= set(NUMERIC), "a formula for a question that is gone or not numeric"
    assert set(NO_FORMULA) <= set(NUMERIC)


@pytest.mark.parametrize("question_id", sorted(FORMULAS))
def test_the_bank_answer_is_what_its_formula_gives(question_id):
    question = NUMERIC[question_id]
    value = float(FORMULAS[question_id]())
    assert abs(value - question["answer"]) <= question["tolerance"], \
        f"{question_id}: the bank says {question['answer']}, the formula gives {value:.6g}"


@pytest.mark.parametrize("question_id", sorted(NUMERIC))
def test_tolerances_are_tight_enough_to_tell_answers_apart(question_id):
    """A tolerance as wide as the answer would let a wrong answer pass, and hide
    a wrong number in the bank from the formula test above."""
    question = NUMERIC[question_id]
    assert question["tolerance"] <= max(0.05 * abs(question["answer"]), 0.1), question_id
