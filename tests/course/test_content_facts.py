"""The numbers and formulas the notes quote, recomputed here, and the notes'
Markdown rendered without stray list items.

Each fact test reads the number from the notes and compares it with a value
computed from scratch (numpy, or the reference solutions), so a wrong number
in the notes fails the test. The tests read notes/ and solutions/ directly,
with no rnncourse imports, and parse the Markdown with the parser that
`rnncourse notes` renders with (rich's, markdown-it).
"""

import importlib.util
import math
import re
import tomllib
from pathlib import Path

import numpy as np
import pytest
from rich.markdown import Markdown

ROOT = Path(__file__).resolve().parents[2]
NUMBER = r"(-?\d+(?:\.\d+)?(?:e-?\d+)?)"
_FENCE = re.compile(r"^\s*(```|~~~)")
_SECTION = re.compile(r"^## .*\{#([a-z0-9.-]+)\}\s*$")
_TOPIC = re.compile(r"^# .*\{#([a-z0-9-]+)\}\s*$")


def notes_parts() -> dict[str, str]:
    """Every section body by id, and every topic's introduction as '<topic>:intro'."""
    parts: dict[str, list[str]] = {}
    for path in sorted((ROOT / "notes").glob("*.md")):
        current, fence = None, False
        for line in path.read_text(encoding="utf-8").splitlines():
            if _FENCE.match(line):
                fence = not fence
            heading = None if fence else (_SECTION.match(line) or _TOPIC.match(line))
            if heading:
                current = heading.group(1) + ("" if line.startswith("## ") else ":intro")
                parts[current] = []
            elif current is not None:
                parts[current].append(line)
    return {key: "\n".join(lines).strip("\n") for key, lines in parts.items()}


PARTS = notes_parts()


def text(section: str) -> str:
    """A section's body with all whitespace runs made single spaces."""
    assert section in PARTS, f"no notes section {section}"
    return " ".join(PARTS[section].split())


def quoted(section: str, pattern: str) -> str:
    """The number the notes quote where ``pattern`` (with NUMBER as one group) matches."""
    found = re.search(pattern, text(section))
    assert found, f"{section}: the notes no longer say {pattern!r}"
    return found.group(1)


def half_unit(number: str) -> float:
    """Half a unit of the last digit written: how far a rounded quote may be off."""
    mantissa, _, exponent = number.lower().partition("e")
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    return 0.5 * 10.0 ** (int(exponent or 0) - decimals)


def assert_quotes(section: str, pattern: str, value: float) -> None:
    number = quoted(section, pattern)
    assert abs(float(number) - value) <= half_unit(number) * (1 + 1e-9), \
        f"{section} quotes {number}, but the value is {value:.6g}"


def solution(name: str):
    spec = importlib.util.spec_from_file_location(f"content_facts_{name}",
                                                  ROOT / "solutions" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def relative_error(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.abs(a - b).max() / max(float((np.abs(a) + np.abs(b)).max()), 1e-300))


# --- rendering: no stray list items --------------------------------------------------------


def stray_lists(markdown: str) -> list[str]:
    """Source lines where a top-level list starts in the middle of a paragraph.

    CommonMark lets a bullet, or a numbered item starting at 1, interrupt a
    paragraph, so a wrapped line that happens to begin with "1." or "- " turns
    into a list item. Every list the notes mean to write follows a blank line.
    """
    lines = markdown.splitlines()
    stray = []
    for token in Markdown(markdown).parsed:
        if token.type in ("bullet_list_open", "ordered_list_open") and token.level == 0:
            start = token.map[0]
            if start > 0 and lines[start - 1].strip():
                stray.append(lines[start])
    return stray


def test_the_stray_list_detector_catches_the_old_derivatives_text():
    old = ("so any |w| < 4 makes every factor smaller than\n"
           "1. With tanh the cap per step is the weight itself.\n")
    assert stray_lists(old) == ["1. With tanh the cap per step is the weight itself."]
    assert stray_lists("the product of t\n- k Jacobians\n") == ["- k Jacobians"]
    assert stray_lists("Two points:\n\n- one\n- two\n  - nested\n") == []


@pytest.mark.parametrize("part", sorted(PARTS))
def test_every_section_renders_without_stray_list_items(part):
    assert stray_lists(PARTS[part]) == [], part


def test_every_list_item_in_the_notes_is_one_the_source_marks_as_such():
    """The renderer's list items are exactly the lines written as list items
    after a blank line or inside a list: none is invented from prose."""
    for part, markdown in PARTS.items():
        lines = markdown.splitlines()
        for token in Markdown(markdown).parsed:
            if token.type == "list_item_open":
                line = lines[token.map[0]].lstrip()
                assert re.match(r"([-*+]|\d+[.)])\s", line), (part, line)


# --- vanishing ----------------------------------------------------------------------------


def test_chain_rule_powers():
    assert_quotes("vanishing.chain-rule", rf"w d = 0\.9 and k = 50 that is about {NUMBER}",
                  0.9 ** 50)
    assert_quotes("vanishing.chain-rule", rf"for w d = 1\.1 about {NUMBER}", 1.1 ** 50)


def test_factors_below_one_in_magnitude_shrink_and_negative_ones_flip():
    assert abs(np.prod([-0.5] * 20)) < 1e-5 and np.prod([-2.0] * 3) == -8.0
    assert "magnitude* is below 1" in PARTS["vanishing.chain-rule"]
    assert '"< 0"' in text("vanishing.chain-rule")  # the source's error, flagged


def test_derivative_sizes():
    assert_quotes("vanishing.derivatives", rf"tanh'\(2\) is about {NUMBER}",
                  1 - math.tanh(2) ** 2)
    assert_quotes("vanishing.derivatives", rf"sigmoid'\(5\) about {NUMBER}",
                  sigmoid(5) * (1 - sigmoid(5)))
    grid = np.linspace(-10, 10, 200001)
    peak = float(np.max(sigmoid(grid) * (1 - sigmoid(grid))))
    assert_quotes("vanishing.derivatives", rf"at most {NUMBER} \|w\| for a scalar weight", peak)
    assert_quotes("vanishing.derivatives", rf"any \|w\| < {NUMBER} makes every factor", 1 / peak)
    assert_quotes("vanishing.singular-values", rf"for the sigmoid, sigma_max\(Wh\) < {NUMBER}",
                  1 / peak)


def test_where_exp_overflows():
    threshold = math.log(np.finfo(np.float64).max)  # exp(-x) overflows for x below -threshold
    number = quoted("vanishing.derivatives", rf"drops below about {NUMBER}")
    assert int(number) == -int(threshold)
    with np.errstate(over="raise"):
        np.exp(-float(number))  # still finite
        with pytest.raises(FloatingPointError):
            np.exp(-float(number) + 1)


def test_bptt_double_sum_equals_the_bptt_loop():
    """vanishing.bptt-sum: the T(T+1)/2 terms, each a product of Jacobians times
    the immediate derivative, add up to the dWh that rnn_backward computes."""
    rnn = solution("rnn")
    rng = np.random.default_rng(3)
    N, T, D, H = 2, 5, 3, 4
    x, h0 = rng.normal(size=(N, T, D)), rng.normal(size=(N, H))
    Wx, Wh, b = rng.normal(size=(D, H)), rng.normal(size=(H, H)) / 2, rng.normal(size=H)
    dh = rng.normal(size=(N, T, H))  # dL_t/dh_t for every t
    h, cache = rnn.rnn_forward(x, h0, Wx, Wh, b)
    expected = rnn.rnn_backward(dh, cache)[3]
    states = [h0] + [h[:, t, :] for t in range(T)]  # states[k] is h_k, k = 0..T
    total, terms = np.zeros((H, H)), 0
    for t in range(1, T + 1):
        for k in range(1, t + 1):
            delta = dh[:, t - 1, :]
            for j in range(t, k, -1):  # J_j = D_j Wh^T, applied row by row
                delta = (delta * (1 - states[j] ** 2)) @ Wh.T
            total += states[k - 1].T @ (delta * (1 - states[k] ** 2))
            terms += 1
    assert terms == T * (T + 1) // 2
    assert relative_error(total, expected) < 1e-12
    assert "T(T+1)/2 terms" in text("vanishing.bptt-sum")


W_EXAMPLE = np.array([[0.9, 3.0], [0.0, 0.9]])


def test_the_spectral_example_is_the_matrix_the_notes_show():
    body = PARTS["vanishing.spectral-radius"]
    found = re.search(r"W = \[\[([\d.]+), ([\d.]+)\],.*?\n\s*\[([\d.]+), ([\d.]+)\]\]", body)
    assert found
    shown = np.array([float(v) for v in found.groups()]).reshape(2, 2)
    assert np.array_equal(shown, W_EXAMPLE)


def test_spectral_norm_and_radius_of_the_example():
    section = "vanishing.spectral-radius"
    sigma = np.linalg.norm(W_EXAMPLE, 2)
    rho = max(abs(np.linalg.eigvals(W_EXAMPLE)))
    assert_quotes(section, rf"sigma_max\(W\) = {NUMBER}", sigma)
    assert_quotes(section, rf"rho\(W\) = {NUMBER}", rho)
    assert_quotes(section, rf"\|\|W\^10\|\| = {NUMBER}",
                  np.linalg.norm(np.linalg.matrix_power(W_EXAMPLE, 10), 2))
    assert_quotes(section, rf"\|\|W\^100\|\| = {NUMBER}",
                  np.linalg.norm(np.linalg.matrix_power(W_EXAMPLE, 100), 2))


def test_what_the_notes_say_of_spectral_norm_and_radius_holds():
    rng = np.random.default_rng(0)
    for _ in range(20):
        W = rng.normal(size=(6, 6))
        assert max(abs(np.linalg.eigvals(W))) <= np.linalg.norm(W, 2) + 1e-12
        for k in (1, 3, 7):  # ||W^k|| <= sigma_max^k
            assert (np.linalg.norm(np.linalg.matrix_power(W, k), 2)
                    <= np.linalg.norm(W, 2) ** k * (1 + 1e-12))
        S, (Q, _) = W + W.T, np.linalg.qr(W)  # symmetric, orthogonal: the two agree
        for M in (S, Q):
            assert math.isclose(max(abs(np.linalg.eigvals(M))), np.linalg.norm(M, 2),
                                rel_tol=1e-9)
    # ||W^k|| ** (1/k) tends to rho: the eventual rate is the spectral radius
    k = 2000
    rate = np.linalg.norm(np.linalg.matrix_power(W_EXAMPLE, k), 2) ** (1 / k)
    assert abs(rate - 0.9) < 0.01


def test_variance_one_over_h_gives_radius_near_1_and_sigma_max_near_2():
    """remedies.initialisation: measured, not assumed, at the sizes the notes name."""
    section = "remedies.initialisation"
    sizes = re.search(r"about 2 at both H = (\d+) and H = (\d+)", text(section))
    assert sizes and "spectral radius* of Wh is close to 1" in PARTS[section]
    for H in map(int, sizes.groups()):
        for seed in range(3 if H <= 200 else 1):  # one draw is enough at H = 1000
            Wh = np.random.default_rng(seed).normal(0.0, 1.0 / math.sqrt(H), size=(H, H))
            sigma, rho = np.linalg.norm(Wh, 2), max(abs(np.linalg.eigvals(Wh)))
            assert abs(sigma - 2.0) < 0.1, (H, sigma)  # "about 2", not "of order 1"
            assert abs(rho - 1.0) < 0.12, (H, rho)
            assert sigma > 1.7 * rho


# --- remedies -----------------------------------------------------------------------------


def test_the_squared_norm_bug_of_the_slides():
    g = np.array([6.0, 8.0])  # norm 10
    assert quoted("remedies.clipping", rf"A gradient of norm {NUMBER} with threshold") == "10"
    buggy = g * (5.0 / np.sum(g * g))
    assert_quotes("remedies.clipping", rf"then ends with norm {NUMBER}", np.linalg.norm(buggy))


def test_clipping_by_value_bounds_the_length_by_c_sqrt_n():
    rng = np.random.default_rng(1)
    c, n = 0.5, 400
    g = rng.normal(scale=10.0, size=n)
    clipped = np.clip(g, -c, c)
    assert np.linalg.norm(clipped) <= c * math.sqrt(n) + 1e-12
    assert np.linalg.norm(np.clip(np.full(n, 3.0), -c, c)) == pytest.approx(c * math.sqrt(n))
    assert np.linalg.norm(clipped) > 10 * c  # so c itself is no bound on the length
    assert "`c * sqrt(n)`" in PARTS["remedies.clipping"]


def test_truncated_bptt_reaches_about_half_a_chunk():
    k, T = 100, 1000
    reach = [t % k for t in range(T)]  # a loss at t reaches back to its chunk's start
    assert max(reach) == k - 1 and min(reach) == 0
    assert np.mean(reach) == (k - 1) / 2
    assert "(k - 1) / 2 steps, about k/2" in text("remedies.truncated-bptt")


def test_forget_bias_of_one():
    assert_quotes("remedies.initialisation", rf"near sigmoid\(1\), about {NUMBER}", sigmoid(1.0))


# --- LSTM ----------------------------------------------------------------------------------


def test_decay_along_the_cell():
    section = "lstm.limits"
    assert_quotes(section, rf"0\.9\^100, about {NUMBER}", 0.9 ** 100)
    assert_quotes(section, rf"with f = 0\.99, about {NUMBER}", 0.99 ** 100)


def test_both_routes_from_c_prev_to_c_are_the_whole_gradient():
    """lstm.both-routes: f * dc plus the route through h_{t-1} and the gates
    equals the numeric gradient of c_t with respect to c_{t-1}."""
    lstm = solution("lstm")
    rng = np.random.default_rng(7)
    N, D, H = 3, 2, 4
    x, c_prev = rng.normal(size=(N, D)), rng.normal(size=(N, H))
    Wx, Wh, b = rng.normal(size=(D, 4 * H)), rng.normal(size=(H, 4 * H)), rng.normal(size=4 * H)
    o_prev = sigmoid(rng.normal(size=(N, H)))
    dc = rng.normal(size=(N, H))

    def c_next(c):
        h = o_prev * np.tanh(c)  # h_{t-1} = o_{t-1} * tanh(c_{t-1})
        return lstm.lstm_step_forward(x, h, c, Wx, Wh, b)[1]

    numeric = np.zeros((N, H))
    for idx in np.ndindex(N, H):
        step = np.zeros((N, H))
        step[idx] = 1e-6
        numeric[idx] = np.sum((c_next(c_prev + step) - c_next(c_prev - step)) * dc) / 2e-6
    h_prev = o_prev * np.tanh(c_prev)
    a = x @ Wx + h_prev @ Wh + b
    i, f, g = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H]), np.tanh(a[:, 3 * H:])
    da_i, da_f, da_g = dc * g * i * (1 - i), dc * c_prev * f * (1 - f), dc * i * (1 - g ** 2)
    dh_route = da_i @ Wh[:, :H].T + da_f @ Wh[:, H:2 * H].T + da_g @ Wh[:, 3 * H:].T
    formula = f * dc + dh_route * o_prev * (1 - np.tanh(c_prev) ** 2)
    assert relative_error(formula, numeric) < 1e-7
    assert relative_error(f * dc, numeric) > 1e-2  # the cell path alone is not all of it
    body = PARTS["lstm.both-routes"]
    for line in ("dh_route = da_i @ Wh_i.T + da_f @ Wh_f.T + da_g @ Wh_g.T",
                 "da_f = dc_t * c_{t-1} * f_t * (1 - f_t)", "da_i = dc_t * g_t * i_t * (1 - i_t)",
                 "da_g = dc_t * i_t * (1 - g_t**2)", "o_{t-1} * (1 - tanh(c_{t-1})**2)"):
        assert line in body, line


# --- GRU -----------------------------------------------------------------------------------


def test_gru_direct_path_decay_and_the_lab_bias():
    section = "gru.gradient-flow"
    assert_quotes(section, rf"with z = 0\.1, 20 steps leave 0\.9\^20, about {NUMBER}", 0.9 ** 20)
    assert_quotes(section, rf"z starts near sigmoid\(-3\), about {NUMBER}", sigmoid(-3.0))


def test_gru_dh_prev_has_four_terms_as_notes_and_docstring_say():
    assert "dh_prev is the sum of four terms" in text("gru.backward")
    doc = " ".join(solution("gru").gru_step_backward.__doc__.split())
    assert "dh_prev is the sum of four terms" in doc and "three paths" not in doc


def test_keras_reset_before_gru_matches_the_course_after_the_z_swap():
    """gru.update-convention: Keras's reset_after=False cell, written out from
    its definition (kernel (D, 3H), blocks z, r, h, h = z * h_prev + (1 - z) * hh),
    equals the course's GRU once the z-block columns and bias are negated."""
    gru = solution("gru")
    rng = np.random.default_rng(5)
    N, D, H = 3, 2, 4
    x, h_prev = rng.normal(size=(N, D)), rng.normal(size=(N, H))
    Wx, Wh, b = rng.normal(size=(D, 3 * H)), rng.normal(size=(H, 3 * H)), rng.normal(size=3 * H)
    kernel, recurrent, bias = Wx.copy(), Wh.copy(), b.copy()
    kernel[:, :H] *= -1
    recurrent[:, :H] *= -1
    bias[:H] *= -1
    mx = x @ kernel + bias
    z = sigmoid(mx[:, :H] + h_prev @ recurrent[:, :H])
    r = sigmoid(mx[:, H:2 * H] + h_prev @ recurrent[:, H:2 * H])
    hh = np.tanh(mx[:, 2 * H:] + (r * h_prev) @ recurrent[:, 2 * H:])
    keras = z * h_prev + (1 - z) * hh
    assert relative_error(keras, gru.gru_step_forward(x, h_prev, Wx, Wh, b)[0]) < 1e-12
    assert "reset_after=False** does match after the swap" in PARTS["gru.update-convention"]


def test_the_sources_gru_copy_claim_is_flagged():
    body = text("gru.update-convention")
    assert "z close to 1 lets a unit copy" in body and "z is near 0" in body


def test_the_two_newly_flagged_source_errors_are_wrong_line_questions():
    bank = {q["id"]: q for q in tomllib.loads(
        (ROOT / "quiz" / "bank.toml").read_text(encoding="utf-8"))["question"]}
    for question_id, section, words in (
            ("gru-z-copy-source", "gru.update-convention", "close to 1"),
            ("vanishing-below-zero", "vanishing.chain-rule", "< 0")):
        question = bank[question_id]
        assert question["kind"] == "wrong-line" and question["section"] == section
        assert words in question["code"]


# --- parameter counts ----------------------------------------------------------------------


def count(*arrays) -> int:
    return sum(int(np.size(a)) for a in arrays)


def cell_parameters(blocks: int, D: int, H: int, biases: int = 1) -> int:
    """Parameters of arrays shaped as the course's cells take them: Wx (D, kH),
    Wh (H, kH) and `biases` bias vectors (kH,)."""
    return count(np.zeros((D, blocks * H)), np.zeros((H, blocks * H)),
                 *[np.zeros(blocks * H)] * biases)


def test_the_solutions_take_the_shapes_that_are_counted():
    D, H, N = 10, 20, 2
    x, h, c = np.zeros((N, D)), np.zeros((N, H)), np.zeros((N, H))
    shapes = {1: ("rnn", "rnn_step_forward"), 3: ("gru", "gru_step_forward"),
              4: ("lstm", "lstm_step_forward")}
    for blocks, (name, function) in shapes.items():
        args = (x, h) + ((c,) if name == "lstm" else ())
        out = getattr(solution(name), function)(*args, np.zeros((D, blocks * H)),
                                                np.zeros((H, blocks * H)), np.zeros(blocks * H))
        assert out[0].shape == (N, H)
    variants = solution("lstm_variants")
    variants.coupled_lstm_step_forward(x, h, c, np.zeros((D, 3 * H)), np.zeros((H, 3 * H)),
                                       np.zeros(3 * H))
    variants.peephole_lstm_step_forward(x, h, c, np.zeros((D, 4 * H)), np.zeros((H, 4 * H)),
                                        np.zeros(4 * H), np.zeros((3, H)))


def test_parameter_counts_in_the_notes():
    section = "params.counts"
    D, H = 10, 20
    assert int(quoted(section, rf"one block is 20 \* 31 = {NUMBER}")) == cell_parameters(1, D, H)
    assert int(quoted(section, rf"so the RNN has {NUMBER} parameters")) == cell_parameters(1, D, H)
    assert int(quoted(section, rf"the GRU {NUMBER} and the LSTM")) == cell_parameters(3, D, H)
    assert int(quoted(section, rf"and the LSTM {NUMBER}\.")) == cell_parameters(4, D, H)
    assert int(quoted(section, rf"4 \* 20 \* \(20 \+ 20 \+ 1\) = {NUMBER}")) == \
        cell_parameters(4, H, H)
    assert int(quoted(section, rf"per layer \({NUMBER} in the example\)")) == \
        cell_parameters(4, D, H, biases=2)
    assert int(quoted(section, rf"\(D\*H \+ H\*H \+ 2\*H\)` \({NUMBER}\)")) == \
        cell_parameters(3, D, H, biases=2)
    assert int(quoted(section, rf"one bias per block \({NUMBER}\)")) == cell_parameters(4, D, H)
    assert int(quoted(section, rf"reset_after=True has two \({NUMBER}\)")) == \
        cell_parameters(3, D, H, biases=2)


def test_gru_is_a_quarter_smaller_and_peepholes_add_3h():
    D, H = 10, 20
    assert 1 - cell_parameters(3, D, H) / cell_parameters(4, D, H) == 0.25
    assert "about a quarter smaller" in text("gru.parameters")
    assert count(np.zeros((3, H))) == 3 * H
    assert "add only 3H parameters" in text("variants.peephole")
    assert cell_parameters(3, D, H) == 3 * H * (D + H + 1)
    assert "`3 * H * (D + H + 1)` parameters" in text("variants.coupled")


# --- practice and beyond -------------------------------------------------------------------


def test_the_window_code_gives_l_minus_t_samples():
    code = re.search(r"```python\n(.*?)```", PARTS["practice.timesteps"], re.S).group(1)
    scope = {"np": np, "series": np.arange(1000.0), "T": 60}
    exec(code, scope)
    assert scope["X"].shape == (940, 60, 1) and scope["y"].shape == (940,)
    assert "length L gives L - T samples" in text("practice.timesteps")


def test_a_bidirectional_rnn_leaves_the_middle_word_half_a_review_away():
    for T in (51, 100, 101, 400):
        # distance from word m (1-based) to the nearer final state of the two passes
        farthest = max(min(T - m, m - 1) for m in range(1, T + 1))
        assert abs(farthest - T / 2) <= 1
    assert "about T/2 steps from both ends" in text("practice.sentiment")


def test_the_gradient_check_snippet_of_the_notes_works():
    """practice.gradient-check: its numeric_grad, run on the reference RNN step,
    agrees with rnn_step_backward and leaves its argument alone."""
    code = re.search(r"```python\n(.*?)```", PARTS["practice.gradient-check"], re.S).group(1)
    scope = {"np": np}
    exec(code, scope)
    numeric_grad = scope["numeric_grad"]
    rnn = solution("rnn")
    rng = np.random.default_rng(2)
    N, D, H = 2, 3, 4  # the shapes the notes recommend
    x, h = rng.normal(size=(N, D)), rng.normal(size=(N, H))
    Wx, Wh, b = rng.normal(size=(D, H)), rng.normal(size=(H, H)), rng.normal(size=H)
    out, cache = rnn.rnn_step_forward(x, h, Wx, Wh, b)
    dout = rng.normal(size=out.shape)
    dx, dh, dWx, dWh, db = rnn.rnn_step_backward(dout, cache)
    before = Wh.copy()
    checks = [(dx, lambda v: rnn.rnn_step_forward(v, h, Wx, Wh, b)[0], x),
              (dh, lambda v: rnn.rnn_step_forward(x, v, Wx, Wh, b)[0], h),
              (dWh, lambda v: rnn.rnn_step_forward(x, h, Wx, v, b)[0], Wh),
              (db, lambda v: rnn.rnn_step_forward(x, h, Wx, Wh, v)[0], b)]
    for analytic, f, value in checks:
        assert relative_error(analytic, numeric_grad(f, value, dout)) < 1e-8
    assert np.array_equal(Wh, before)
    assert "N = 2, D = 3, H = 4" in text("practice.gradient-check")


def test_central_differences_are_second_order():
    f, x = np.tanh, 0.7
    exact = 1 - np.tanh(x) ** 2
    for eps in (1e-2, 1e-3):
        central = abs((f(x + eps) - f(x - eps)) / (2 * eps) - exact)
        one_sided = abs((f(x + eps) - f(x)) / eps - exact)
        assert central < 10 * eps ** 2 and one_sided > eps / 10 and central < one_sided / 20


def test_local_derivatives_in_the_table():
    """practice.local-derivatives: each cell entry, checked by central differences."""
    rng = np.random.default_rng(4)
    c_prev, f, i, g, o, c, h_prev, h_tilde, z, r = rng.uniform(0.1, 0.9, size=10)

    def d(function, at, eps=1e-6):
        return (function(at + eps) - function(at - eps)) / (2 * eps)

    assert d(lambda v: v * c_prev + i * g, f) == pytest.approx(c_prev)  # dc/df = c_prev
    assert d(lambda v: f * c_prev + v * g, i) == pytest.approx(g)  # dc/di = g
    assert d(lambda v: f * c_prev + i * v, g) == pytest.approx(i)  # dc/dg = i
    assert d(lambda v: f * v + i * g, c_prev) == pytest.approx(f)  # dc/dc_prev = f
    assert d(lambda v: v * np.tanh(c), o) == pytest.approx(np.tanh(c))
    assert d(lambda v: o * np.tanh(v), c) == pytest.approx(o * (1 - np.tanh(c) ** 2))
    update = solution("gru").gru_update
    assert d(lambda v: update(h_prev, h_tilde, v), z) == pytest.approx(h_tilde - h_prev)
    assert d(lambda v: update(h_prev, v, z), h_tilde) == pytest.approx(z)
    assert d(lambda v: update(v, h_tilde, z), h_prev) == pytest.approx(1 - z)
    assert d(lambda v: v * h_prev, r) == pytest.approx(h_prev)
    table = PARTS["practice.local-derivatives"]
    for entry in ("dc/df = c_prev", "dc/di = g", "dc/dg = i", "dc/dc_prev = f",
                  "dh/do = tanh(c)", "dh/dc = o * (1 - tanh(c)**2)", "dh/dz = h~ - h_prev",
                  "dh/dh~ = z", "dh/dh_prev = 1 - z", "ds/dr = h_prev", "ds/dh_prev = r"):
        assert entry in table, entry


def test_skip_connections_shorten_the_chain():
    d, T = 10, 100
    words = {10: "ten", 100: "a hundred"}
    claim = f"{words[T // d]} factors instead of {words[T]} for d = {d} and T = {T}"
    assert claim in text("beyond.skip-connections")
