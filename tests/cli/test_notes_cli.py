"""`rnncourse notes`: searching the notes, and the pager for long output on a
terminal (never when piped)."""

import click
import pytest
from click.testing import CliRunner
from helpers.course import ROOT

from rnncourse.cli.console import console
from rnncourse.cli.main import cli
from rnncourse.course import notes as notes_module


@pytest.fixture
def run(monkeypatch):
    monkeypatch.setenv("RNNCOURSE_HOME", str(ROOT))

    def invoke(*args):
        return CliRunner().invoke(cli, ["notes", *map(str, args)], catch_exceptions=False)

    return invoke


@pytest.fixture(scope="module")
def notes():
    return notes_module.load(ROOT / "notes")


def mentioning(notes, *words):
    """The section ids whose title or text holds every word (found here by hand)."""
    return {s.id for s in notes.sections
            if all(w.lower() in (s.title + "\n" + s.body).lower() for w in words)}


def test_search_lists_every_section_that_mentions_the_word(run, notes):
    result = run("--search", "forget")
    assert result.exit_code == 0
    expected = mentioning(notes, "forget")
    assert len(expected) > 3
    listed = {line.split()[0] for line in result.stdout.splitlines()
              if line and not line.startswith(" ") and "." in line.split()[0]}
    assert listed == expected
    assert f"{len(expected)} sections mention 'forget':" in result.stdout
    first = next(line for line in result.stdout.splitlines()
                 if line[:1].isalpha() and line.split()[0] in expected)
    assert "forget" in first.lower()  # a section with the word in its title comes first


def test_search_for_words_within_a_topic(run, notes):
    result = run("--search", "forget gate", "lstm")
    expected = {i for i in mentioning(notes, "forget", "gate") if i.startswith("lstm.")}
    listed = {line.split()[0] for line in result.stdout.splitlines()
              if line[:1].isalpha() and line.split()[0].startswith("lstm.")}
    assert result.exit_code == 0 and listed == expected and expected


def test_search_without_a_match_exits_1(run):
    result = run("--search", "xyzzy")
    assert result.exit_code == 1 and "No section of the notes mentions 'xyzzy'." in result.stdout


def test_search_in_an_unknown_topic_is_a_usage_error(run):
    result = run("--search", "gate", "lsmt")
    assert result.exit_code == 2 and "unknown notes section 'lsmt'" in result.stderr


@pytest.fixture
def terminal(monkeypatch):
    """stdout is a terminal of 40 lines; what goes to the pager is kept."""
    paged = []
    monkeypatch.setattr(type(console), "is_terminal", property(lambda self: True))
    monkeypatch.setattr(type(console), "height", property(lambda self: 40))
    monkeypatch.setattr(click, "echo_via_pager", lambda text, color=None: paged.append(text))
    return paged


def test_a_long_topic_goes_through_the_pager_on_a_terminal(run, terminal):
    result = run("lstm")
    assert result.exit_code == 0
    assert len(terminal) == 1 and "The LSTM" in terminal[0] and result.stdout == ""
    assert terminal[0].count("\n") >= 40


def test_short_output_is_not_paged(run, terminal):
    result = run("--search", "xyzzy")
    assert terminal == [] and "No section" in result.stdout


def test_piped_output_is_never_paged(run, monkeypatch):
    paged = []
    monkeypatch.setattr(click, "echo_via_pager", lambda text, color=None: paged.append(text))
    result = run("lstm")
    assert result.exit_code == 0 and paged == [] and "The LSTM" in result.stdout
