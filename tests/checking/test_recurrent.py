"""rnn, lstm, gru: right answers written differently pass (hidden checks too), the
stubs score 0, and each named mistake, written as a student would write it,
fails the right function's checks with the right misconception."""

import shutil

import pytest
from helpers.course import ROOT, check, failing, full_marks

CELLS = ["rnn", "lstm", "gru"]


@pytest.mark.parametrize("exercise", CELLS)
def test_reference_gets_full_marks_with_hidden_checks(course, exercise):
    assert full_marks(check(course, ROOT / "solutions", exercise, hidden=True))


@pytest.mark.parametrize("exercise", CELLS)
def test_stubs_score_zero(course, exercise):
    result = check(course, ROOT / "exercises", exercise, hidden=True)
    assert result.score == 0 and not any(c.passed for c in result.checks)
    assert {c.kind for c in result.checks} == {"not-implemented"}


@pytest.mark.parametrize("exercise", CELLS)
def test_independent_implementation_gets_full_marks(course, exercise, tmp_path):
    shutil.copy(ROOT / "tests" / "students" / f"{exercise}_independent.py",
                tmp_path / f"{exercise}.py")
    for _ in range(3):  # hidden checks draw fresh cases on every run
        result = check(course, tmp_path, exercise, hidden=True)
        assert full_marks(result), {k: v.message for k, v in failing(result).items()}


MISTAKES = [
    # exercise, what the student wrote, {check that must fail: misconception it must name}
    ("rnn", """
     def rnn_step_backward(dh_next, cache):
         x, h_prev, Wx, Wh, h_next = cache
         da = dh_next * (1 - h_prev ** 2)
         return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)
     """, {"rnn_step_backward.values": "tanh-derivative-wrong-state",
           "rnn_step_backward.gradient": "tanh-derivative-wrong-state",
           "rnn_backward.values": "tanh-derivative-wrong-state"}),
    ("rnn", """
     def rnn_step_forward(x, h_prev, Wx, Wh, b):
         a = x @ Wx + h_prev @ Wh + b
         return np.tanh(a), (x, h_prev, Wx, Wh, a)

     def rnn_step_backward(dh_next, cache):
         x, h_prev, Wx, Wh, a = cache
         da = dh_next * (1 - np.tanh(np.tanh(a)) ** 2)
         return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)
     """, {"rnn_step_backward.values": "tanh-derivative-wrong-state"}),
    ("rnn", """
     def rnn_step_backward(dh_next, cache):
         x, h_prev, Wx, Wh, h_next = cache
         da = dh_next * (1 - h_next ** 2)
         return da @ Wx.T, da @ Wh.T, da.T @ x, da.T @ h_prev, da.sum(axis=0)
     """, {"rnn_step_backward.values": "weight-gradients-transposed",
           "rnn_step_backward.gradient": "weight-gradients-transposed"}),
    ("rnn", """
     def rnn_backward(dh, cache):
         N, T, H = dh.shape
         dxs = []
         dWx = dWh = db = 0
         for t in reversed(range(T)):
             dx_t, dh_prev, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t, :], cache[t])
             dxs.append(dx_t)
             dWx += dWx_t
             dWh += dWh_t
             db += db_t
         return np.stack(dxs[::-1], axis=1), dh_prev, dWx, dWh, db
     """, {"rnn_backward.values": "bptt-not-carried", "rnn_backward.gradient": "bptt-not-carried",
           "rnn_backward.chained-steps": "bptt-not-carried"}),
    ("rnn", """
     def rnn_backward(dh, cache):
         N, T, H = dh.shape
         dxs = []
         dh_prev = np.zeros((N, H))
         for t in reversed(range(T)):
             dx_t, dh_prev, dWx, dWh, db = rnn_step_backward(dh[:, t, :] + dh_prev, cache[t])
             dxs.append(dx_t)
         return np.stack(dxs[::-1], axis=1), dh_prev, dWx, dWh, db
     """, {"rnn_backward.values": "bptt-weights-assigned",
           "rnn_backward.gradient": "bptt-weights-assigned"}),
    ("lstm", """
     def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
         a = x @ Wx + h_prev @ Wh + b
         a_i, a_f, a_g, a_o = np.split(a, 4, axis=1)   # as in torch.nn.LSTM
         i, f, g, o = sigmoid(a_i), sigmoid(a_f), np.tanh(a_g), sigmoid(a_o)
         c_next = f * c_prev + i * g
         h_next = o * np.tanh(c_next)
         return h_next, c_next, (x, h_prev, c_prev, Wx, Wh, i, f, o, g, np.tanh(c_next))
     """, {"lstm_step_forward.values": "lstm-gate-order-pytorch",
           "lstm_forward.values": "lstm-gate-order-pytorch",
           "lstm_step_backward.gradient": None}),
    ("lstm", """
     def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
         H = h_prev.shape[1]
         a = x @ Wx + h_prev @ Wh + b
         i, f = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H])
         o, g = sigmoid(a[:, 2 * H:3 * H]), np.tanh(a[:, 3 * H:])
         c_next = f * c_prev + i * g
         h_next = o * c_next
         return h_next, c_next, (x, h_prev, c_prev, Wx, Wh, i, f, o, g, np.tanh(c_next))
     """, {"lstm_step_forward.values": "lstm-no-tanh-on-cell",
           "lstm_forward.values": "lstm-no-tanh-on-cell"}),
    ("lstm", """
     def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
         H = h_prev.shape[1]
         a = x @ Wx + h_prev @ Wh + b
         i, f = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H])
         o, g = sigmoid(a[:, 2 * H:3 * H]), sigmoid(a[:, 3 * H:])
         c_next = f * c_prev + i * g
         h_next = o * np.tanh(c_next)
         return h_next, c_next, (x, h_prev, c_prev, Wx, Wh, i, f, o, g, np.tanh(c_next))
     """, {"lstm_step_forward.values": "lstm-sigmoid-candidate",
           "lstm_forward.values": "lstm-sigmoid-candidate"}),
    ("lstm", """
     def lstm_step_backward(dh_next, dc_next, cache):
         x, h_prev, c_prev, Wx, Wh, i, f, o, g, tanh_c = cache
         dc = dc_next
         da = np.concatenate([dc * g * i * (1 - i), dc * c_prev * f * (1 - f),
                              dh_next * tanh_c * o * (1 - o), dc * i * (1 - g ** 2)], axis=1)
         return da @ Wx.T, da @ Wh.T, dc * f, x.T @ da, h_prev.T @ da, da.sum(axis=0)
     """, {"lstm_step_backward.values": "lstm-dc-missing-h-path",
           "lstm_step_backward.gradient": "lstm-dc-missing-h-path",
           "lstm_backward.values": "lstm-dc-missing-h-path"}),
    ("lstm", """
     def lstm_step_backward(dh_next, dc_next, cache):
         x, h_prev, c_prev, Wx, Wh, i, f, o, g, tanh_c = cache
         dc = dc_next + dh_next * o * (1 - tanh_c ** 2)
         da = np.concatenate([dc * g * i * (1 - i), dc * c_prev * f * (1 - f),
                              dh_next * tanh_c * o * (1 - o), dc * i * (1 - g ** 2)], axis=1)
         return da @ Wx.T, da @ Wh.T, dc, x.T @ da, h_prev.T @ da, da.sum(axis=0)
     """, {"lstm_step_backward.values": "lstm-dc-prev-missing-forget",
           "lstm_step_backward.gradient": "lstm-dc-prev-missing-forget",
           "lstm_backward.values": "lstm-dc-prev-missing-forget"}),
    ("lstm", """
     def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
         H = h_prev.shape[1]
         a = x @ Wx + h_prev @ Wh + b
         i, f = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H])
         o, g = sigmoid(a[:, 2 * H:3 * H]), np.tanh(a[:, 3 * H:])
         c_next = f * c_prev + i * g
         return o * np.tanh(c_next), c_next, (x, h_prev, c_prev, Wx, Wh, i, f, o, g, c_next)

     def lstm_step_backward(dh_next, dc_next, cache):
         x, h_prev, c_prev, Wx, Wh, i, f, o, g, c_next = cache
         dc = dc_next + dh_next * o * (1 - c_next ** 2)
         da = np.concatenate([dc * g * i * (1 - i), dc * c_prev * f * (1 - f),
                              dh_next * np.tanh(c_next) * o * (1 - o), dc * i * (1 - g ** 2)],
                             axis=1)
         return da @ Wx.T, da @ Wh.T, dc * f, x.T @ da, h_prev.T @ da, da.sum(axis=0)
     """, {"lstm_step_backward.values": "tanh-derivative-wrong-state",
           "lstm_step_backward.gradient": "tanh-derivative-wrong-state"}),
    ("lstm", """
     def lstm_backward(dh, cache):
         N, T, H = dh.shape
         dxs, dh_prev = [], np.zeros((N, H))
         dWx = dWh = db = 0
         for t in reversed(range(T)):
             dc_next = np.zeros((N, H))
             dx_t, dh_prev, _, dWx_t, dWh_t, db_t = lstm_step_backward(
                 dh[:, t, :] + dh_prev, dc_next, cache[t])
             dxs.insert(0, dx_t)
             dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t
         return np.stack(dxs, axis=1), dh_prev, dWx, dWh, db
     """, {"lstm_backward.values": "bptt-not-carried",
           "lstm_backward.chained-steps": "bptt-not-carried"}),
    ("lstm", """
     def lstm_backward(dh, cache):
         N, T, H = dh.shape
         dxs, dh_prev, dc_prev = [], np.zeros((N, H)), np.zeros((N, H))
         for t in reversed(range(T)):
             dx_t, dh_prev, dc_prev, dWx, dWh, db = lstm_step_backward(
                 dh[:, t, :] + dh_prev, dc_prev, cache[t])
             dxs.insert(0, dx_t)
         return np.stack(dxs, axis=1), dh_prev, dWx, dWh, db
     """, {"lstm_backward.values": "bptt-weights-assigned"}),
    ("lstm", """
     def lstm_step_backward(dh_next, dc_next, cache):
         x, h_prev, c_prev, Wx, Wh, i, f, o, g, tanh_c = cache
         dc = dc_next + dh_next * o * (1 - tanh_c ** 2)
         da = np.concatenate([dc * g * i * (1 - i), dc * c_prev * f * (1 - f),
                              dh_next * tanh_c * o * (1 - o), dc * i * (1 - g ** 2)], axis=1)
         return da @ Wx.T, da @ Wh.T, dc * f, (x.T @ da).T, (h_prev.T @ da).T, da.sum(axis=0)
     """, {"lstm_step_backward.values": "weight-gradients-transposed",
           "lstm_step_backward.gradient": "weight-gradients-transposed"}),
    ("gru", """
     def gru_update(h_prev, h_tilde, z):
         return z * h_prev + (1 - z) * h_tilde    # as in torch.nn.GRU
     """, {"gru_update.values": "gru-update-swapped", "gru_update.z0-keeps-h": "gru-update-swapped",
           "gru_update.z1-takes-candidate": "gru-update-swapped",
           "gru_step_forward.values": "gru-update-swapped",
           "gru_step_forward.gate-extremes": "gru-update-swapped",
           "gru_forward.values": "gru-update-swapped"}),
    ("gru", """
     def gru_step_forward(x, h_prev, Wx, Wh, b):
         H = h_prev.shape[1]
         ax = x @ Wx + b
         z = sigmoid(ax[:, :H] + h_prev @ Wh[:, :H])
         r = sigmoid(ax[:, H:2 * H] + h_prev @ Wh[:, H:2 * H])
         h_tilde = np.tanh(ax[:, 2 * H:] + r * (h_prev @ Wh[:, 2 * H:]))
         return gru_update(h_prev, h_tilde, z), (x, h_prev, Wx, Wh, z, r, r * h_prev, h_tilde)
     """, {"gru_step_forward.values": "gru-reset-after-matmul",
           "gru_forward.values": "gru-reset-after-matmul"}),
    ("gru", """
     def gru_step_backward(dh_next, cache):
         x, h_prev, Wx, Wh, z, r, reset_h, h_tilde = cache
         H = h_prev.shape[1]
         da_z = dh_next * (h_tilde - h_prev) * z * (1 - z)
         da_n = dh_next * z * (1 - h_tilde ** 2)
         d_rh = da_n @ Wh[:, 2 * H:].T
         da_r = d_rh * h_prev * r * (1 - r)
         da = np.concatenate([da_z, da_r, da_n], axis=1)
         dh_prev = (dh_next * (1 - z) + d_rh * r + da_z @ Wh[:, :H].T
                    + da_r @ Wh[:, H:2 * H].T)
         dWh = np.concatenate([h_prev.T @ da_z, h_prev.T @ da_r, h_prev.T @ da_n], axis=1)
         return da @ Wx.T, dh_prev, x.T @ da, dWh, da.sum(axis=0)
     """, {"gru_step_backward.values": "gru-dwh-without-reset",
           "gru_step_backward.gradient": "gru-dwh-without-reset"}),
    ("gru", """
     def gru_backward(dh, cache):
         N, T, H = dh.shape
         dxs = []
         dWx = dWh = db = 0
         for t in reversed(range(T)):
             dx_t, dh0, dWx_t, dWh_t, db_t = gru_step_backward(dh[:, t, :], cache[t])
             dxs.insert(0, dx_t)
             dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t
         return np.stack(dxs, axis=1), dh0, dWx, dWh, db
     """, {"gru_backward.values": "bptt-not-carried", "gru_backward.gradient": "bptt-not-carried"}),
]


@pytest.mark.parametrize("exercise, code, expected", MISTAKES,
                         ids=[f"{m[0]}:{sorted(set(m[2].values()) - {None})}" for m in MISTAKES])
def test_mistake_fails_the_right_checks_and_is_named(course, student, exercise, code, expected):
    result = check(course, student(exercise, code), exercise)
    failed = failing(result)
    for check_id, misconception in expected.items():
        assert check_id in failed, f"{check_id} passed"
        if misconception is not None:
            assert failed[check_id].misconception == misconception, failed[check_id].message
            assert failed[check_id].notes == course.misconception(misconception).notes


def test_consistent_backward_of_a_wrong_forward_is_named(course, student):
    """A student who slices the gates in PyTorch's order writes a backward that is
    right for that forward: the gradient check says so but earns nothing, since
    the forward is wrong; the values are named."""
    code = MISTAKES[5][1] + """
     _right_backward = lstm_step_backward

     def _swap(W):
         H = W.shape[-1] // 4
         return np.concatenate([W[..., :2 * H], W[..., 3 * H:], W[..., 2 * H:3 * H]], axis=-1)

     def lstm_step_backward(dh_next, dc_next, cache):
         x, h_prev, c_prev, Wx, Wh, i, f, o, g, t = cache
         grads = list(_right_backward(dh_next, dc_next, (x, h_prev, c_prev, _swap(Wx), _swap(Wh),
                                                         i, f, o, g, t)))
         grads[3], grads[4], grads[5] = _swap(grads[3]), _swap(grads[4]), _swap(grads[5])
         return tuple(grads)
    """
    result = check(course, student("lstm", code), "lstm")
    failed = failing(result)
    gradient = failed["lstm_step_backward.gradient"]
    assert "lstm_step_forward is not right yet" in gradient.message, gradient.message
    assert "lstm_step_backward does agree with the numeric gradient of your lstm_step_forward" \
        in gradient.message, gradient.message
    assert gradient.misconception == "lstm-gate-order-pytorch"
    assert failed["lstm_step_backward.values"].misconception == "lstm-gate-order-pytorch"
    assert "your lstm_step_forward differs from the reference too" in \
        failed["lstm_step_backward.values"].message


def test_unknown_mistake_is_not_given_a_name(course, student):
    result = check(course, student("rnn", """
        def rnn_step_backward(dh_next, cache):
            x, h_prev, Wx, Wh, h_next = cache
            da = 0.5 * dh_next * (1 - h_next ** 2)
            return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)
    """), "rnn")
    failed = failing(result)
    assert "rnn_step_backward.values" in failed and "rnn_step_backward.gradient" in failed
    assert all(c.misconception is None for c in failed.values())


def test_lstm_keeps_cell_property(course, student):
    result = check(course, student("lstm", """
        def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
            H = h_prev.shape[1]
            a = x @ Wx + h_prev @ Wh + b
            f, i = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H])   # input and forget swapped
            o, g = sigmoid(a[:, 2 * H:3 * H]), np.tanh(a[:, 3 * H:])
            c_next = f * c_prev + i * g
            return o * np.tanh(c_next), c_next, None
    """), "lstm")
    assert "lstm_step_forward.keeps-cell" in failing(result)


def test_backward_twice_on_one_cache(course, student):
    result = check(course, student("rnn", """
        def rnn_step_backward(dh_next, cache):
            x, h_prev, Wx, Wh, h_next = cache
            h_next *= 0.5   # scribbles on the cache
            da = dh_next * (1 - h_next ** 2)
            return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)
    """), "rnn")
    unchanged = failing(result)["rnn_step_backward.unchanged"]
    assert unchanged.misconception == "mutates-input"
    assert "modified its argument cache[4] in place" in unchanged.message


def test_backward_twice_on_an_opaque_cache(course, student):
    result = check(course, student("rnn", """
        class Cache:
            def __init__(self, *parts):
                self.parts = list(parts)

        def rnn_step_forward(x, h_prev, Wx, Wh, b):
            h_next = np.tanh(x @ Wx + h_prev @ Wh + b)
            return h_next, Cache(x, h_prev, Wx, Wh, h_next)

        def rnn_step_backward(dh_next, cache):
            x, h_prev, Wx, Wh, h_next = cache.parts
            cache.parts[4] = h_next * 0.5
            da = dh_next * (1 - h_next ** 2)
            return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)
    """), "rnn")
    failed = failing(result)
    assert set(failed) == {"rnn_step_backward.unchanged", "rnn_backward.unchanged"}
    assert "twice on the same cache gave different gradients" in failed[
        "rnn_step_backward.unchanged"].message


WRONG_FORWARD = """
        def rnn_step_forward(x, h_prev, Wx, Wh, b):
            h_next = np.tanh(x @ Wx + h_prev @ Wh + 2 * b)
            return h_next, (x, h_prev, Wx, Wh, h_next)

        _right = rnn_step_backward
"""


def test_a_right_backward_of_a_wrong_forward_is_told_so_but_earns_nothing(course, student):
    """The gradient check compares with central differences of the student's own
    forward, and says whether the backward fits it; but it counts only when the
    forward is right too (a self-consistent wrong pair is not an RNN)."""
    result = check(course, student("rnn", WRONG_FORWARD + """
        def rnn_step_backward(dh_next, cache):
            dx, dh_prev, dWx, dWh, db = _right(dh_next, cache)
            return dx, dh_prev, dWx, dWh, 2 * db
    """), "rnn")
    failed = failing(result)
    assert {"rnn_step_forward.values", "rnn_step_backward.gradient",
            "rnn_step_backward.values"} <= set(failed)
    message = failed["rnn_step_backward.gradient"].message
    assert message.startswith("rnn_step_forward is not right yet: h_next differs from the "
                              "expected values: relative error"), message
    assert "This check counts only when rnn_step_forward is right too" in message, message
    assert "rnn_step_backward does agree with the numeric gradient of your rnn_step_forward" \
        in message, message


def test_a_wrong_backward_of_a_wrong_forward_is_told_both(course, student):
    result = check(course, student("rnn", WRONG_FORWARD + """
        def rnn_step_backward(dh_next, cache):
            dx, dh_prev, dWx, dWh, db = _right(dh_next, cache)
            return dx, dh_prev, dWx, dWh, db
    """), "rnn")
    message = failing(result)["rnn_step_backward.gradient"].message
    assert message.startswith("rnn_step_forward is not right yet"), message
    assert "besides, db differs from the numeric gradient of your rnn_step_forward" \
        in message, message


def test_a_wrong_forward_does_not_pass_the_large_hidden_backward_check_by_luck(course, student):
    """Large inputs saturate most gates. With this seed the first large case of
    gru_backward.hidden-large leaves too little unsaturated to tell the gradients
    through a swapped update from the right ones: the check must not rest on it
    alone (a second case), or the same files could score differently when graded
    again."""
    import numpy as np

    from rnncourse.checking import CheckFailed, Student, engine
    from rnncourse.course.loader import reference_module
    from rnncourse.sandbox.process import StudentProcess

    exercise = course.exercise("gru")
    spec = next(s for s in engine.collect(exercise) if s.id == "gru_backward.hidden-large")
    reference = reference_module(course.solutions_dir, exercise.file)
    swapped = student("gru", """
        def gru_update(h_prev, h_tilde, z):
            return z * h_prev + (1 - z) * h_tilde
        """)
    for folder, right in ((swapped, False), (ROOT / "solutions", True)):
        with StudentProcess(folder / "gru.py") as process:
            run = lambda: spec.test(student=Student(process, "gru", 10.0),  # noqa: E731
                                    reference=reference, policy=course.policy,
                                    rng=np.random.default_rng(46))
            if right:
                run()
            else:
                with pytest.raises(CheckFailed, match="differs from the reference gradient"):
                    run()
