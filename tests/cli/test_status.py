"""The progress store: what check and quiz record, and that no interruption or
concurrent run leaves it half written."""

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner
from helpers.course import ROOT, public_points

from rnncourse import atomic
from rnncourse.cli import progress as status
from rnncourse.cli.main import cli
from rnncourse.cli.views.checks import points


@pytest.fixture
def run(monkeypatch):
    monkeypatch.setenv("RNNCOURSE_HOME", str(ROOT))

    def invoke(*args):
        return CliRunner().invoke(cli, [str(arg) for arg in args], catch_exceptions=False)

    return invoke


def stored():
    return json.loads(status.path(ROOT).read_text(encoding="utf-8"))


def test_check_of_the_exercises_records_each_exercise(run, course):
    result = run("check", "--json")
    assert result.exit_code == 1
    json.loads(result.stdout)  # still nothing but JSON on stdout
    exercises = stored()["exercises"]
    assert set(exercises) == set(course.exercise_ids)
    assert all(set(entry) == {"public"} for entry in exercises.values())
    activations = exercises["activations"]["public"]
    assert activations["score"] == 0
    assert activations["max_score"] == public_points(course, ["activations"])
    assert activations["passed"] is False and activations["checks"] > 0
    assert activations["checks_passed"] == 0


def test_check_of_another_folder_is_not_the_students_progress(run):
    assert run("check", "--dir", ROOT / "solutions").exit_code == 0
    assert not status.path(ROOT).exists()


def test_a_later_check_replaces_only_its_exercise(run):
    run("check")
    first = stored()["exercises"]
    run("check", "clipping")
    second = stored()["exercises"]
    assert second["activations"] == first["activations"]
    assert second["clipping"]["public"]["at"] >= first["clipping"]["public"]["at"]


def test_status_command_shows_checks_and_what_to_do_next(run, course):
    assert "not checked yet" in run("status").stdout
    run("check")
    result = run("status")
    assert result.exit_code == 0
    out = result.stdout
    checks = stored()["exercises"]["activations"]["public"]["checks"]
    public = points(public_points(course, ["activations"]))
    assert "activations" in out and f"0 / {public}" in out and f"0/{checks}" in out
    assert "Next: rnncourse check activations" in out
    report = json.loads(run("status", "--json").stdout)
    assert [row["id"] for row in report["exercises"]] == course.exercise_ids
    assert all(row["checked"] and row["changed_since"] is False for row in report["exercises"])
    assert report["last_quiz"] is None


def test_an_edited_exercise_is_flagged(run):
    run("check")
    data = stored()
    edited = (ROOT / "exercises" / "clipping.py").stat().st_mtime
    data["exercises"]["clipping"]["public"]["at"] = edited - 60  # a minute before its last edit
    status.path(ROOT).write_text(json.dumps(data), encoding="utf-8")
    rows = {row["id"]: row for row in json.loads(run("status", "--json").stdout)["exercises"]}
    assert rows["clipping"]["changed_since"] is True
    assert rows["activations"]["changed_since"] is False


def test_public_and_hidden_scores_are_kept_and_shown_apart(run, course):
    """`check` scores the public checks out of their share of the points, `check
    --hidden` out of all of them: status never puts the two in one column."""
    run("check", "activations")
    run("check", "activations", "--hidden")
    entry = stored()["exercises"]["activations"]
    public = points(public_points(course, ["activations"]))
    assert entry["public"]["max_score"] == public_points(course, ["activations"])
    assert entry["hidden"]["max_score"] == course.exercise("activations").points
    report = json.loads(run("status", "--json").stdout)
    row = next(row for row in report["exercises"] if row["id"] == "activations")
    assert row["public"]["max_score"] != row["hidden"]["max_score"]
    lines = run("status").stdout.splitlines()
    header = next(line for line in lines if line.startswith("exercise"))
    assert "public checks" in header and "all checks" in header
    activations = next(line for line in lines if line.startswith("activations"))
    assert f"0 / {public}" in activations and "0 / 10" in activations


def test_a_version_1_store_is_read_and_upgraded(run, course):
    status.path(ROOT).parent.mkdir(parents=True, exist_ok=True)
    old = {"version": 1, "exercises": {"clipping": {
        "score": 2.0, "max_score": 6.0, "passed": False, "checks_passed": 1, "checks": 3,
        "hidden_included": False, "at": 1.0}},
        "quiz": {"questions": {"lstm-output-slice": {"topic": "lstm", "correct": True,
                                                     "at": 1.0}}, "sessions": []}}
    status.path(ROOT).write_text(json.dumps(old), encoding="utf-8")
    report = json.loads(run("status", "--json").stdout)
    clipping = next(row for row in report["exercises"] if row["id"] == "clipping")
    assert clipping["public"]["score"] == 2.0 and clipping["hidden"] is None
    lstm = next(row for row in report["quiz"] if row["id"] == "lstm")
    assert lstm["right"] == 1
    status.record_answer(ROOT, "gru-update", "gru", False, "a")
    data = stored()
    assert data["version"] == status.VERSION
    assert data["exercises"]["clipping"]["public"]["score"] == 2.0
    assert data["quiz"]["questions"]["gru-update"]["given"] == "a"
    assert "given" not in data["quiz"]["questions"]["lstm-output-slice"]


def test_a_corrupt_store_is_reported_and_replaced(run):
    status.path(ROOT).parent.mkdir(parents=True, exist_ok=True)
    status.path(ROOT).write_text('{"version": 1, "exerc', encoding="utf-8")
    result = run("status")
    assert result.exit_code == 0 and "is unreadable" in result.stdout
    run("check", "clipping")
    assert set(stored()["exercises"]) == {"clipping"}


def test_ctrl_c_while_writing_leaves_the_old_store_intact(monkeypatch):
    status.record_answer(ROOT, "lstm-do", "lstm", True)
    before = status.path(ROOT).read_text(encoding="utf-8")

    def interrupted(source, target):
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        status.record_answer(ROOT, "lstm-do", "lstm", False)
    assert status.path(ROOT).read_text(encoding="utf-8") == before
    leftovers = [p.name for p in status.path(ROOT).parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


def test_an_unwritable_store_never_fails_check(run, tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv(status.STATE_DIR_VARIABLE, str(blocker))
    result = run("check", "--json")
    assert result.exit_code == 1
    json.loads(result.stdout)
    assert result.stderr.startswith("rnncourse: could not record progress")
    assert len(result.stderr.strip().splitlines()) == 1


WRITER = """
import sys
from pathlib import Path
from rnncourse.cli import progress as status
for number in range(25):
    status.record_answer(Path(sys.argv[1]), f"q-{sys.argv[2]}-{number}", "lstm", True)
"""


def test_concurrent_writers_lose_nothing(tmp_path):
    env = dict(os.environ, **{status.STATE_DIR_VARIABLE: str(tmp_path / "state")})
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(ROOT), str(name)], env=env)
               for name in range(4)]
    assert all(writer.wait(timeout=60) == 0 for writer in writers)
    data = json.loads((tmp_path / "state" / "status.json").read_text(encoding="utf-8"))
    assert len(data["quiz"]["questions"]) == 100


def test_sessions_are_capped():
    for number in range(status.MAX_SESSIONS + 5):
        status.record_answers(ROOT, [], {"mode": "answers", "score": number, "max_score": 1})
    sessions = stored()["quiz"]["sessions"]
    assert len(sessions) == status.MAX_SESSIONS and sessions[-1]["score"] == \
        status.MAX_SESSIONS + 4
