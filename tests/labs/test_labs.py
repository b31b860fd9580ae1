"""rnncourse lab vanishing and lab adding, on the reference solutions (the
qualitative outcome the notes promise) and on broken student code (one line,
exit 1), with CliRunner."""

import json
import os
import struct
import textwrap
import zlib

import numpy as np
import pytest
from click.testing import CliRunner
from helpers.course import ROOT, source_of

from rnncourse.cli.main import cli
from rnncourse.labs import adding, plot, vanishing
from rnncourse.labs.student import LabError, StudentCode
from rnncourse.labs.training import Adam, mse_and_grads

SOLUTIONS = str(ROOT / "solutions")
SMALL = ["--steps", "40", "--hidden", "16"]


def invoke(*args):
    runner = CliRunner(env={"RNNCOURSE_HOME": str(ROOT)})
    return runner.invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def vanishing_json():
    result = invoke("lab", "vanishing", "--dir", SOLUTIONS, *SMALL, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _series(data, section, key):
    return next(s for s in data[section] if s["key"] == key)


def _fall(series):
    return series["norms"][-1] / series["norms"][0]


# ----------------------------------------------------------------------------
# lab vanishing on the reference solutions


def test_rnn_gradient_falls_orders_of_magnitude_more_than_the_lstm(vanishing_json):
    rnn = _series(vanishing_json, "comparison", "rnn")
    for key in ("lstm", "lstm-c"):
        lstm = _series(vanishing_json, "comparison", key)
        assert _fall(rnn) < 1e-2 * _fall(lstm), (_fall(rnn), _fall(lstm))
    assert rnn["decay_per_step"] < _series(vanishing_json, "comparison", "lstm-c")[
        "decay_per_step"] < 1


def test_json_holds_the_numbers(vanishing_json):
    data = vanishing_json
    assert data["T"] == list(range(1, 41))
    assert data["settings"]["steps"] == 40 and data["settings"]["hidden"] == 16
    assert [s["key"] for s in data["comparison"]] == ["rnn", "lstm", "lstm-c", "gru"]
    for section in ("comparison", "gate_bias", "weight_scale"):
        for series in data[section]:
            assert len(series["norms"]) == 40 and all(n > 0 for n in series["norms"])
            expected = (series["norms"][-1] / series["norms"][0]) ** (1 / 39)
            assert series["decay_per_step"] == pytest.approx(expected, rel=1e-9)


def test_forget_bias_and_update_bias_keep_more_gradient(vanishing_json):
    forget = [_series(vanishing_json, "gate_bias", f"lstm-c b_f={b}")["decay_per_step"]
              for b in (0, 1, 3)]
    assert forget[0] < forget[1] < forget[2] and forget[2] > 0.95
    update = [_series(vanishing_json, "gate_bias", f"gru b_z={b}")["decay_per_step"]
              for b in (0, -1, -3)]
    assert update[0] < update[1] < update[2]


def test_weight_scale_vanishing_below_one_exploding_above(vanishing_json):
    decay = {s["key"]: s["decay_per_step"] for s in vanishing_json["weight_scale"]}
    assert decay["rnn sigma_max=0.5"] < decay["rnn sigma_max=1"] < 1 < decay["rnn sigma_max=3"]
    assert decay["rnn sigma_max=0.5"] <= 0.5  # |tanh'| <= 1: at most sigma_max per step


def test_clipping_bounds_the_exploding_gradient(vanishing_json):
    (run,) = vanishing_json["clipping"]
    max_norm = vanishing_json["settings"]["max_norm"]
    assert run["scale"] == 3 and max(run["norm_before"]) > 100 * max_norm
    for before, after in zip(run["norm_before"], run["norm_after"]):
        assert after == pytest.approx(min(before, max_norm), rel=1e-9)


def test_terminal_view_shows_table_chart_and_explanation():
    result = invoke("lab", "vanishing", "--dir", SOLUTIONS, *SMALL)
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert "per step" in text and "log scale" in text
    for section in ("vanishing.chain-rule", "vanishing.singular-values", "lstm.gradient-flow",
                    "lstm.limits", "remedies.clipping", "gru.gates"):
        assert f"rnncourse notes {section}" in text
    assert "Traceback" not in result.output


def test_plot_is_a_valid_png(tmp_path):
    target = tmp_path / "curves.png"
    result = invoke("lab", "vanishing", "--dir", SOLUTIONS, *SMALL, "--plot", str(target),
                    "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["plot"] == str(target)
    data = target.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", data[8:16])
    width, height = struct.unpack(">II", data[16:24])
    assert kind == b"IHDR" and length == 13 and width > 800 and height > 300
    assert zlib.crc32(data[12:29]) == struct.unpack(">I", data[29:33])[0]
    from matplotlib.image import imread

    assert imread(target).shape[:2] == (height, width)
    assert os.listdir(tmp_path) == ["curves.png"]  # no temporary file left behind


def test_plot_without_matplotlib_is_one_line_exit_2(tmp_path, monkeypatch):
    monkeypatch.setattr(plot, "available", lambda: False)
    result = invoke("lab", "vanishing", "--dir", SOLUTIONS, "--plot", str(tmp_path / "a.png"))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and 'pip install -e ".[plots]"' in lines[0]
    assert not (tmp_path / "a.png").exists()


@pytest.mark.parametrize("args, words", [
    (["--steps", "1"], "--steps"),
    (["--steps", "x"], "--steps"),
    (["--hidden", "0"], "--hidden"),
    (["--seed", "-1"], "--seed"),
    (["--dir", "/nowhere/at/all"], "does not exist"),
    (["--plot", "curves.jpg"], ".png"),
    (["--plot", "/nowhere/at/all/curves.png"], "does not exist"),
])
def test_bad_vanishing_options_exit_2(args, words):
    result = invoke("lab", "vanishing", *args)
    assert result.exit_code == 2 and words in result.stderr
    assert "Traceback" not in result.output


# ----------------------------------------------------------------------------
# the student's code stops a lab: one line naming the function, exit 1


def _one_line_error(result, *fragments):
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_untouched_stubs_stop_the_lab_naming_the_function():
    _one_line_error(invoke("lab", "vanishing"), "rnn_forward is not implemented yet",
                    "rnncourse check rnn")
    _one_line_error(invoke("lab", "adding", "--cell", "gru"),
                    "gru_forward is not implemented yet")


@pytest.fixture
def folder(tmp_path):
    """The reference files, with some functions replaced by the student's."""

    def make(replace: dict[str, str] | None = None, leave_out: tuple = ()) -> str:
        for exercise in ("rnn", "lstm", "gru", "clipping"):
            if exercise in leave_out:
                continue
            code = source_of(exercise) + "\n\n" + textwrap.dedent((replace or {}).get(exercise, ""))
            (tmp_path / f"{exercise}.py").write_text(code, encoding="utf-8")
        return str(tmp_path)

    return make


def test_stub_in_a_later_file_is_named(folder):
    directory = folder({"gru": """
        def gru_backward(dh, cache):
            raise NotImplementedError("gru_backward")
    """})
    _one_line_error(invoke("lab", "vanishing", "--dir", directory, *SMALL),
                    "gru_backward is not implemented yet", "rnncourse check gru")


def test_missing_file_is_named(folder):
    _one_line_error(invoke("lab", "vanishing", "--dir", folder(leave_out=("lstm",)), *SMALL),
                    "lstm.py is missing")


def test_wrong_shape_is_named(folder):
    directory = folder({"rnn": """
        _right_forward = rnn_forward

        def rnn_forward(x, h0, Wx, Wh, b):
            h, cache = _right_forward(x, h0, Wx, Wh, b)
            return h.transpose(1, 0, 2), cache
    """})
    _one_line_error(invoke("lab", "vanishing", "--dir", directory, *SMALL),
                    "rnn_forward: h has shape (40, ")


def test_nan_is_named(folder):
    directory = folder({"lstm": """
        _right_backward = lstm_backward

        def lstm_backward(dh, cache):
            dx, dh0, dWx, dWh, db = _right_backward(dh, cache)
            return dx, dh0 * np.nan, dWx, dWh, db
    """})
    _one_line_error(invoke("lab", "vanishing", "--dir", directory, *SMALL),
                    "lstm_backward: dh0 contains NaN")


def test_exception_is_named(folder):
    directory = folder({"rnn": """
        def rnn_backward(dh, cache):
            return {}["oops"]
    """})
    _one_line_error(invoke("lab", "vanishing", "--dir", directory, *SMALL),
                    "rnn_backward raised KeyError")


def test_backward_that_disagrees_with_its_forward_is_named(folder):
    directory = folder({"rnn": """
        def rnn_step_backward(dh_next, cache):
            x, h_prev, Wx, Wh, h_next = cache
            da = dh_next * (1 - h_prev ** 2)        # tanh' at the wrong state
            return da @ Wx.T, da @ Wh.T, x.T @ da, h_prev.T @ da, da.sum(axis=0)
    """})
    _one_line_error(invoke("lab", "vanishing", "--dir", directory, *SMALL),
                    "rnn_backward's dh0 disagrees with the slope of your rnn_forward")


def test_lstm_sequence_and_steps_that_disagree_are_named(folder):
    directory = folder({"lstm": """
        _right_step_backward = lstm_step_backward

        def lstm_step_backward(dh_next, dc_next, cache):
            grads = list(_right_step_backward(dh_next, dc_next, cache))
            grads[1] = grads[1] * 1.5
            return tuple(grads)

        _steps_backward = lstm_backward

        def lstm_backward(dh, cache):     # right, but no longer built on the step above
            global lstm_step_backward
            wrong, lstm_step_backward = lstm_step_backward, _right_step_backward
            try:
                return _steps_backward(dh, cache)
            finally:
                lstm_step_backward = wrong
    """})
    _one_line_error(invoke("lab", "vanishing", "--dir", directory, *SMALL),
                    "lstm_backward's dh0 differs from chaining your lstm_step_backward")


def test_wrong_clipping_is_named(folder):
    directory = folder({"clipping": """
        def clip_by_global_norm(grads, max_norm):
            return {k: np.clip(g, -max_norm, max_norm) for k, g in grads.items()}, \\
                global_norm(grads)
    """})
    _one_line_error(invoke("lab", "vanishing", "--dir", directory, *SMALL),
                    "clip_by_global_norm: clipped[", "rnncourse check clipping")
    _one_line_error(invoke("lab", "adding", "--dir", directory, "--steps", "6", "--iters", "3"),
                    "clip_by_global_norm: clipped[")


# ----------------------------------------------------------------------------
# lab adding


def test_lstm_beats_the_baseline_at_a_small_T():
    result = invoke("lab", "adding", "--dir", SOLUTIONS, "--cell", "lstm", "--steps", "10",
                    "--iters", "300", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["iterations"] == 300 and len(data["losses"]) == 300
    assert data["baseline_mse"] == pytest.approx(1 / 6, abs=0.02)
    assert data["final_mse"] < 0.2 * data["baseline_mse"], data["final_mse"]
    assert data["interrupted"] is False and data["settings"]["cell"] == "lstm"


def test_adding_terminal_report_compares_with_the_baseline():
    result = invoke("lab", "adding", "--dir", SOLUTIONS, "--cell", "gru", "--steps", "8",
                    "--iters", "200")
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert "baseline: always predict 1.0" in text and "200 of 200" in text
    assert "rnncourse notes gru.gates" in text


def test_ctrl_c_stops_training_and_reports_what_was_reached(monkeypatch):
    real = adding.make_batch
    calls = []

    def interrupted_on_the_fourth(rng, size, steps):
        calls.append(size)
        if len(calls) == 4:
            raise KeyboardInterrupt
        return real(rng, size, steps)

    monkeypatch.setattr(adding, "make_batch", interrupted_on_the_fourth)
    result = invoke("lab", "adding", "--dir", SOLUTIONS, "--steps", "6", "--iters", "50")
    assert result.exit_code == 130
    text = " ".join(result.stdout.split())
    assert "Stopped by Ctrl-C after 3 iterations" in text and "3 of 50" in text
    assert "MSE on 4000 new sequences" in text


def test_interrupted_training_keeps_its_parameters():
    settings = adding.Settings(cell="rnn", steps=6, iters=100, hidden=4, batch=8, eval_size=50)

    def stop_after_five(iteration, loss, running):
        if iteration == 5:
            raise KeyboardInterrupt

    with StudentCode(ROOT / "solutions") as code:
        result = adding.train(code, settings, on_iteration=stop_after_five)
    assert result.interrupted and result.iterations == 5 and len(result.losses) == 5
    assert np.isfinite(result.final_mse) and np.isfinite(result.baseline_mse)


@pytest.mark.parametrize("args", [["--cell", "lsmt"], ["--steps", "3"], ["--iters", "0"],
                                  ["--seed", "x"]])
def test_bad_adding_options_exit_2(args):
    result = invoke("lab", "adding", *args)
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_lab_help_lists_both_labs():
    text = invoke("lab", "--help").stdout
    assert "vanishing" in text and "adding" in text and "Exit codes" in text
    assert "lab" in invoke("--help").stdout


# ----------------------------------------------------------------------------
# the pieces


def test_adding_batches():
    x, target = adding.make_batch(np.random.default_rng(0), 20000, 12)
    markers = x[:, :, 1]
    assert np.all(markers.sum(axis=1) == 2) and not markers[:, 6:].any()
    assert np.allclose(target, (x[:, :, 0] * markers).sum(axis=1))
    assert np.all((x[:, :, 0] >= 0) & (x[:, :, 0] < 1))
    assert np.mean((target - 1.0) ** 2) == pytest.approx(1 / 6, abs=0.01)


def test_adam_first_step_and_convergence():
    adam = Adam(lr=0.1)
    params = adam.step({"w": np.array([3.0, -2.0])}, {"w": np.array([0.5, -4.0])})
    assert np.allclose(params["w"], [2.9, -1.9])  # the first step is lr * sign(g)
    for _ in range(500):
        params = adam.step(params, {"w": 2 * params["w"]})
    assert np.max(np.abs(params["w"])) < 0.05


def test_readout_gradients_match_central_differences():
    rng = np.random.default_rng(3)
    h, w, c, target = rng.normal(size=(5, 4)), rng.normal(size=(4, 1)), rng.normal(size=1), \
        rng.normal(size=5)
    _, dh, grads = mse_and_grads(h, w, c, target)
    step = 1e-6
    for array, grad in ((h, dh), (w, grads["w"]), (c, grads["c"])):
        numeric = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            old = array[index]
            array[index] = old + step
            plus = mse_and_grads(h, w, c, target)[0]
            array[index] = old - step
            minus = mse_and_grads(h, w, c, target)[0]
            array[index] = old
            numeric[index] = (plus - minus) / (2 * step)
        assert np.allclose(grad, numeric, atol=1e-7)


def test_decay_factor_of_a_geometric_sequence():
    steps = list(range(1, 11))
    assert vanishing.decay_factor(steps, 3.0 * 0.7 ** np.arange(10)) == pytest.approx(0.7)
    norms = 0.1 ** np.arange(10.0)
    norms[-2:] = 0.0  # underflow: measured up to the last positive value
    assert vanishing.decay_factor(steps, norms) == pytest.approx(0.1)


def test_plan_stays_within_the_memory_budget():
    steps, samples = vanishing.plan(vanishing.Settings(steps=300, hidden=256))
    assert len(steps) * samples * 300 * 256 * 8 * 12 <= vanishing.MEMORY_BUDGET
    assert steps[0] == 1 and steps[-1] == 300
    assert vanishing.plan(vanishing.Settings())[0] == list(range(1, 101))


def test_student_code_reports_a_missing_function(tmp_path):
    (tmp_path / "rnn.py").write_text("x = 1\n")
    with StudentCode(tmp_path) as code, pytest.raises(LabError, match="rnn_forward is not "
                                                                      "defined in your file"):
        code.call("rnn", "rnn_forward", outputs=())


def test_labs_and_matplotlib_are_not_imported_by_other_commands():
    import subprocess
    import sys

    code = ("import sys\nfrom click.testing import CliRunner\nfrom rnncourse.cli.main import cli\n"
            "CliRunner().invoke(cli, ['--help'])\n"
            "print(any(m.startswith(('rnncourse.labs', 'matplotlib')) for m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "False", done.stderr


@pytest.mark.parametrize("mse, interrupted, words", [
    (0.001, False, "solved it"),
    (0.05, False, "got part of the way"),
    (0.166, False, "stayed near the baseline"),
    (0.166, True, "too early to tell"),
    (0.001, True, "Stopped by Ctrl-C after 7 iterations. Your LSTM solved it"),
])
def test_adding_verdicts(mse, interrupted, words):
    result = adding.Result(adding.Settings(), iterations=7, interrupted=interrupted,
                           final_mse=mse, baseline_mse=1 / 6)
    assert words in result.verdict()
    assert "rnncourse notes lstm.gradient-flow" in result.verdict()
