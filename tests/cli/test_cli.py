"""The command line, through click's CliRunner and as a real process."""

import json
import os
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner
from helpers.course import ROOT, public_points

from rnncourse.cli.main import cli
from rnncourse.cli.views.checks import points


@pytest.fixture
def run(monkeypatch, course):
    monkeypatch.setenv("RNNCOURSE_HOME", str(ROOT))

    def invoke(*args):
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)

    invoke.course = course
    return invoke


def extra_credit(course, hidden: bool) -> float:
    optional = [e.id for e in course.exercises if e.optional]
    if not optional:
        return 0.0
    return (sum(course.exercise(e).points for e in optional) if hidden
            else public_points(course, optional))


def panel(result) -> str:
    """The summary panel's text, on one line."""
    return " ".join(line.strip("│╭╮╰╯─ ") for line in result.stdout.splitlines()[-5:])


def test_solutions_pass_with_exit_0(run, course):
    result = run("check", "--dir", str(ROOT / "solutions"))
    assert result.exit_code == 0, result.output
    total = points(public_points(course))
    extra = extra_credit(course, hidden=False)
    assert f"All required checks pass. Score {total} / {total} + {points(extra)} extra credit." \
        in " ".join(panel(result).split())


def test_hidden_checks_bring_the_full_points(run, course):
    result = run("check", "--hidden", "--dir", str(ROOT / "solutions"))
    assert result.exit_code == 0, result.output
    total = sum(exercise.points for exercise in course.exercises if not exercise.optional)
    extra = extra_credit(course, hidden=True)
    assert f"All required checks pass. Score {points(total)} / {points(total)} + " \
           f"{points(extra)} extra credit." in " ".join(panel(result).split())


def test_stubs_exit_1_and_say_not_implemented(run, course):
    result = run("check")
    assert result.exit_code == 1
    text = " ".join(result.stdout.split())
    assert "Not implemented yet: sigmoid, sigmoid_derivative, tanh_derivative" in text
    assert "Not implemented yet: global_norm, clip_by_global_norm" in text
    assert "Not implemented yet: rnn_step_forward, rnn_step_backward, rnn_forward, " \
           "rnn_backward" in text
    assert f"Score 0 / {points(public_points(course))}" in text
    assert "Traceback" not in result.output


def test_failure_shows_message_misconception_hint_and_notes(run, tmp_path):
    shutil.copy(ROOT / "solutions" / "clipping.py", tmp_path / "clipping.py")
    with open(tmp_path / "clipping.py", "a") as file:
        file.write("\ndef global_norm(grads):\n"
                   "    return float(sum(np.sum(g * g) for g in grads.values()))\n")
    result = run("check", "clipping", "--dir", str(tmp_path))
    assert result.exit_code == 1
    text = " ".join(result.stdout.split())
    assert "global_norm.values" in text and "relative error" in text
    assert "Misconception: norm-without-root" in text
    assert "Hint: You returned the sum of squares" in text
    assert "Read: rnncourse notes remedies.clipping" in text


SCHEMA_CHECK_KEYS = {"id", "function", "passed", "points", "max_points", "message",
                     "misconception", "hint"}


def test_json_is_the_design_schema_and_nothing_else(run):
    result = run("check", "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert {"score", "max_score", "exercises"} <= set(data)
    assert data["score"] == 0.0
    assert abs(data["max_score"] - public_points(run.course)) < 1e-6
    assert [e["id"] for e in data["exercises"]] == ["activations", "clipping", "rnn", "lstm",
                                                    "gru", "lstm_variants"]
    for exercise in data["exercises"]:
        assert {"id", "score", "max_score", "checks"} <= set(exercise)
        assert abs(sum(c["max_points"] for c in exercise["checks"]) - exercise["max_score"]) < 1e-6
        for item in exercise["checks"]:
            assert SCHEMA_CHECK_KEYS <= set(item)
            assert item["passed"] is False and item["points"] == 0.0
            assert item["id"].startswith(item["function"] + ".")


def test_json_of_solutions(run):
    data = json.loads(run("check", "activations", "--json", "--dir",
                          str(ROOT / "solutions")).stdout)
    expected = round(public_points(run.course, ["activations"]), 6)
    assert data["score"] == data["max_score"] == expected
    assert all(c["passed"] and c["misconception"] is None for c in data["exercises"][0]["checks"])


def test_unknown_exercise_is_a_usage_error(run):
    result = run("check", "lsmt")
    assert result.exit_code == 2
    assert result.stderr.strip() == \
        "Error: unknown exercise 'lsmt'; valid exercises: activations, clipping, rnn, lstm, gru, " \
        "lstm_variants"


def test_missing_dir_is_a_usage_error(run, tmp_path):
    result = run("check", "--dir", str(tmp_path / "nowhere"))
    assert result.exit_code == 2
    assert "does not exist" in result.stderr and "Traceback" not in result.output


def test_malformed_course_toml(monkeypatch, tmp_path):
    (tmp_path / "course.toml").write_text("[course]\nname = 'x'\n")
    monkeypatch.setenv("RNNCOURSE_HOME", str(tmp_path))
    result = CliRunner().invoke(cli, ["check"], catch_exceptions=False)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "course.toml: [course] key 'title'" in lines[0]


def test_unknown_command(run):
    result = run("chek")
    assert result.exit_code == 2 and "No such command" in result.stderr


def test_help_explains(run):
    top = run("--help").stdout
    assert "check" in top and "build" in top
    sub = run("check", "--help").stdout
    for option in ("--dir", "--json", "--hidden", "Exit code 0"):
        assert option in sub


def test_build_check_reports_up_to_date(run):
    result = run("build", "--check")
    assert result.exit_code == 0 and "up to date" in result.stdout


def test_real_process_python_m_and_console_script():
    env = dict(os.environ, RNNCOURSE_HOME=str(ROOT))
    module = subprocess.run([sys.executable, "-m", "rnncourse", "check", "--json"],
                            capture_output=True, text=True, env=env)
    assert module.returncode == 1 and module.stderr == ""
    assert json.loads(module.stdout)["score"] == 0.0
    script = shutil.which("rnncourse", path=os.path.dirname(sys.executable))
    assert script, "console script rnncourse not installed next to the interpreter"
    done = subprocess.run([script, "check", "--dir", "solutions"], capture_output=True,
                          text=True, env=env, cwd=ROOT)
    assert done.returncode == 0 and "All required checks pass" in done.stdout


def test_optional_exercises_are_extra_credit(run, course, tmp_path):
    optional = [e for e in course.exercises if e.optional]
    assert optional, "the course has an optional exercise"
    for exercise in course.exercises:
        source = "exercises" if exercise.optional else "solutions"
        shutil.copy(ROOT / source / exercise.file, tmp_path / exercise.file)
    result = run("check", "--json", "--dir", str(tmp_path))
    assert result.exit_code == 0  # the untouched optional exercise holds nothing back
    data = json.loads(result.stdout)
    assert data["score"] == data["max_score"] == round(public_points(course), 6)
    flags = {e["id"]: e["optional"] for e in data["exercises"]}
    assert flags == {e.id: e.optional for e in course.exercises}
    text = run("check", "--dir", str(tmp_path)).stdout
    assert "(optional, extra credit) not started" in " ".join(text.split())
    shutil.copy(ROOT / "solutions" / optional[0].file, tmp_path / optional[0].file)
    data = json.loads(run("check", "--json", "--dir", str(tmp_path)).stdout)
    assert data["score"] > data["max_score"] == round(public_points(course), 6)


def test_a_missing_or_broken_file_is_one_line(run, tmp_path):
    (tmp_path / "activations.py").write_text("def sigmoid(x:\n    pass\n")
    text = run("check", "activations", "clipping", "--dir", str(tmp_path)).stdout
    flat = "".join(text.split())  # long paths wrap at 80 columns
    assert "activations.pyhasaSyntaxError(activations.py,line1)" in flat
    assert f"clipping.pyismissingfrom{tmp_path}".replace(" ", "") in flat
    assert "✗ missing" not in text and "✗ import" not in text  # no table of identical rows


def test_entry_point_runs_blas_single_threaded_unless_the_user_chose():
    probe = ("import os, sys\n"
             "sys.argv = ['rnncourse', '--version']\n"
             "from rnncourse.__main__ import main\n"
             "try:\n    main()\nexcept SystemExit:\n    pass\n"
             "print(os.environ['OPENBLAS_NUM_THREADS'], os.environ['OMP_NUM_THREADS'])\n")
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          env=dict(env, OMP_NUM_THREADS="3"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-2:] == ["1", "3"]
