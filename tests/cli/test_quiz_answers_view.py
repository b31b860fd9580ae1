"""`rnncourse quiz --answers FILE`: for each wrong answer the view shows what was
given, the right answer and the explanation; "Read again" names only the
sections of questions answered wrong (not of those left unanswered).

Run through `python -m rnncourse`, so the test does not depend on how the
package's modules are laid out."""

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXPLANATIONS = {q["id"]: q["explanation"] for q in tomllib.loads(
    (ROOT / "quiz" / "bank.toml").read_text(encoding="utf-8"))["question"]}


def quiz(home: Path, *args) -> subprocess.CompletedProcess:
    env = {**os.environ, "RNNCOURSE_HOME": str(home), "COLUMNS": "250"}
    return subprocess.run([sys.executable, "-m", "rnncourse", "quiz", *map(str, args)],
                          capture_output=True, text=True, env=env, timeout=60)


def read_again(out: str) -> set[str]:
    lines = [line for line in out.splitlines() if "Read again:" in line]
    if not lines:
        return set()
    [line] = lines
    listed = line.split("Read again:", 1)[1].strip(" │")
    return {item.strip().removeprefix("rnncourse notes ") for item in listed.split(",")}


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def answers(tmp_path):
    path = tmp_path / "answers.toml"
    path.write_text(
        'lstm-do = "b"\n'                      # wrong choice (lstm.backward)
        'lstm-dc-prev-value = 2\n'             # wrong number (lstm.backward)
        'lstm-sigmoid-blocks = ["a", "d"]\n'   # wrong select-all (lstm.gates)
        'lstm-output-slice = "c"\n'            # right (lstm.equations)
        'lstm-needs-clipping = true\n',        # wrong true/false (lstm.limits)
        encoding="utf-8")
    return path


def test_wrong_answers_show_the_given_and_the_right_answer_and_the_explanation(answers):
    result = quiz(ROOT, "lstm", "--answers", answers)
    assert result.returncode == 1, result.stderr
    out = result.stdout
    assert "Your answer: b) dh_next * o * (1 - o)" in out
    assert "The answer: a) dh_next * tanh(c_next)" in out
    assert "Your answer: 2\n" in out and "The answer: 1.6 (within 0.005)" in out
    assert "Your answer: a) i, d) g" in out and "The answer: a) i, b) f, c) o" in out
    assert "Your answer: true" in out and "The answer: false" in out
    for wrong in ("lstm-do", "lstm-dc-prev-value", "lstm-sigmoid-blocks", "lstm-needs-clipping"):
        assert f"✗ {wrong}" in out and flat(EXPLANATIONS[wrong]) in flat(out), wrong
    # neither the right answer nor the unanswered questions get a correction
    assert "✗ lstm-output-slice" not in out and "✗ lstm-cell-update" not in out
    assert flat(EXPLANATIONS["lstm-output-slice"]) not in flat(out)


def test_read_again_lists_only_sections_answered_wrong(answers):
    out = quiz(ROOT, "lstm", "--answers", answers).stdout
    assert read_again(out) == {"lstm.backward", "lstm.gates", "lstm.limits"}
    assert "unanswered)" in out  # the unanswered ones are counted, not sent to read


def test_all_answered_right_has_nothing_to_read_again(tmp_path):
    path = tmp_path / "right.toml"
    path.write_text('lstm-do = "a"\n', encoding="utf-8")
    result = quiz(ROOT, "lstm", "--answers", path)
    assert result.returncode == 1  # most of the topic is unanswered
    assert read_again(result.stdout) == set() and "Your answer" not in result.stdout


def test_a_locked_bank_shows_the_right_choice_and_the_explanation(tmp_path, answers):
    home = tmp_path / "student"
    home.mkdir()
    shutil.copy(ROOT / "course.toml", home / "course.toml")
    shutil.copytree(ROOT / "notes", home / "notes")
    (home / "quiz").mkdir()
    assert quiz(ROOT, "--lock", home / "quiz" / "bank.toml").returncode == 0
    out = quiz(home, "lstm", "--answers", answers).stdout
    assert "The answer: a) dh_next * tanh(c_next)" in out
    assert "Your answer: 2\n" in out
    assert "The answer: 1.6" not in out  # a locked number stays hidden
    assert flat(EXPLANATIONS["lstm-dc-prev-value"]) in flat(out)
    assert read_again(out) == {"lstm.backward", "lstm.gates", "lstm.limits"}
