"""Exercises named by id or by file: `rnncourse check lstm.py` is `rnncourse
check lstm` (course/manifest.py, Course.select)."""

import json

import pytest
from click.testing import CliRunner
from helpers.course import ROOT

from rnncourse.cli.main import cli
from rnncourse.errors import CourseError


@pytest.mark.parametrize("names, ids", [
    (["lstm.py"], ["lstm"]), (["exercises/gru.py", "rnn"], ["rnn", "gru"]),
    (["./exercises/lstm_variants.py"], ["lstm_variants"]), ([], None),
])
def test_select_by_id_or_file(course, names, ids):
    chosen = [exercise.id for exercise in course.select(names)]
    assert chosen == (ids if ids is not None else course.exercise_ids)


@pytest.mark.parametrize("name, message", [
    ("lsmt.py", "no exercise has the file 'lsmt.py'; did you mean lstm.py?"),
    ("notes.py", "no exercise has the file 'notes.py' (exercise files: activations.py"),
    ("lstm.pyc", "unknown exercise 'lstm.pyc'"),
])
def test_an_unknown_file_says_which_files_there_are(course, name, message):
    with pytest.raises(CourseError) as raised:
        course.select([name])
    assert message in str(raised.value)


def test_check_accepts_the_file_name(monkeypatch):
    monkeypatch.setenv("RNNCOURSE_HOME", str(ROOT))
    by_file = CliRunner().invoke(cli, ["check", "clipping.py", "--json"])
    by_id = CliRunner().invoke(cli, ["check", "clipping", "--json"])
    assert by_file.exit_code == by_id.exit_code == 1
    assert [e["id"] for e in json.loads(by_file.stdout)["exercises"]] == ["clipping"]
    wrong = CliRunner().invoke(cli, ["check", "clipings.py"])
    assert wrong.exit_code == 2 and "did you mean clipping.py?" in wrong.stderr
