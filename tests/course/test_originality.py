"""No sentence of the source lecture notes reappears in notes/, the quiz bank or
the hints: no run of 8 words in common. The sources are not in the repository;
tests/data/source_shingles.txt holds hashes of their runs (see tests/helpers/shingles.py)."""

import tomllib
from pathlib import Path

import pytest
from helpers.course import ROOT
from helpers.shingles import (
    DATA,
    HEX_DIGITS,
    WIDTH,
    prose,
    render,
    runs,
    source_hashes,
    stored_hashes,
)

from rnncourse.quiz import bank as quizbank

SOURCES = Path("/work/shared/sources")


@pytest.fixture(scope="module")
def hashes():
    return stored_hashes()


def shared_runs(text: str, hashes: set[str]) -> list[str]:
    return sorted({run for digest, run in runs(text) if digest in hashes})


def test_the_stored_hashes_look_like_a_real_corpus(hashes):
    assert len(hashes) > 5000  # the five sources hold about 8,500 words
    assert all(len(digest) == HEX_DIGITS and int(digest, 16) >= 0 for digest in hashes)


def test_the_detector_finds_a_shared_run():
    text = "one two three four five six seven eight nine"
    fake = {digest for digest, _ in runs("x " + text + " y")}
    assert shared_runs("And so: " + text + "!", fake) == [
        "one two three four five six seven eight", "two three four five six seven eight nine"]
    assert len(text.split()) == WIDTH + 1


@pytest.mark.parametrize("path", sorted((ROOT / "notes").glob("*.md")), ids=lambda p: p.name)
def test_notes_share_no_run_with_the_sources(path, hashes):
    # Whole file, code included: equations are single letters, which runs skip.
    assert shared_runs(path.read_text(encoding="utf-8"), hashes) == []


def test_the_quiz_bank_shares_no_run_with_the_sources(hashes):
    bank = quizbank.load(ROOT / "quiz" / "bank.toml")
    for question in bank.questions:
        for text in (question.prompt, question.explanation, question.code or "",
                     *question.choices):
            assert shared_runs(text, hashes) == [], question.id


def test_hints_in_course_toml_share_no_run_with_the_sources(hashes):
    manifest = tomllib.loads((ROOT / "course.toml").read_text(encoding="utf-8"))
    for key, entry in manifest.get("misconception", {}).items():
        assert shared_runs(entry["hint"] + " " + entry["title"], hashes) == [], key


def test_prose_drops_code_blocks_and_inline_code():
    text = "Words `a * b` more\n```text\nc_t = f_t * c_prev\n```\nend"
    assert prose(text).split() == ["Words", "more", "end"]


@pytest.mark.skipif(not SOURCES.is_dir(), reason="the source notes are not on this machine")
def test_stored_hashes_match_the_sources():
    assert DATA.read_text(encoding="utf-8") == render(source_hashes(SOURCES)), \
        "regenerate: python tests/helpers/shingles.py /work/shared/sources"


@pytest.mark.skipif(not SOURCES.is_dir(), reason="the source notes are not on this machine")
def test_a_copied_source_sentence_would_be_caught(hashes):
    source = (SOURCES / "003_ecd2f5be09cd880e.txt").read_text(encoding="utf-8")
    sentence = next(line for line in source.splitlines() if len(line.split()) > 15)
    assert shared_runs("Intro words. " + sentence, hashes)
