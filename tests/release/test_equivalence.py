"""The edition's `check --json` is the full course's public `check --json`, check by
check (id, passed, points, message, misconception, hint), for the solutions, the
stubs, right code written differently, and every known mistake and lazy shortcut
the tests use, written as students write them."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
from checking.test_lazy import LAZY
from checking.test_recurrent import MISTAKES as RECURRENT
from checks.test_activations import INDEPENDENT as ACTIVATIONS_INDEPENDENT
from checks.test_activations import MISTAKES as ACTIVATIONS
from checks.test_clipping import INDEPENDENT as CLIPPING_INDEPENDENT
from checks.test_clipping import MISTAKES as CLIPPING
from checks.test_lstm_variants import MISTAKES as LSTM_VARIANTS
from helpers.classroom import CLIP_BY_VALUE, DERIVATIVE_AT_ACTIVATION
from helpers.course import ROOT, source_of
from helpers.edition import by_check, check_json, run_edition, run_full


def written(exercise: str, code: str, base: str = "solutions") -> str:
    """A student's file as tests/conftest.py's student fixture writes it."""
    text = source_of(exercise, base) if base else ""
    return text + "\n\n# --- the student's version ---\n" + textwrap.dedent(code)


def students() -> dict[str, list[tuple[str, str]]]:
    """{exercise: [(label, file text), ...]} of every student the tests write."""
    found: dict[str, list[tuple[str, str]]] = {}

    def add(exercise: str, label: str, text: str) -> None:
        found.setdefault(exercise, []).append((label, text))

    for code, check_id, _ in ACTIVATIONS:
        add("activations", f"activations mistake ({check_id})", written("activations", code))
    for code, check_id, _ in CLIPPING:
        add("clipping", f"clipping mistake ({check_id})", written("clipping", code))
    for code, expected in LSTM_VARIANTS:
        add("lstm_variants", f"lstm_variants mistake ({next(iter(expected))})",
            written("lstm_variants", code))
    for exercise, code, expected in RECURRENT:
        add(exercise, f"{exercise} mistake ({next(iter(expected))})", written(exercise, code))
    for exercise, code in LAZY.items():
        add(exercise, f"{exercise}, lazy", written(exercise, "import numpy as np\n"
                                                   + textwrap.dedent(code), base=""))
    add("activations", "activations, written differently",
        written("activations", ACTIVATIONS_INDEPENDENT, base=""))
    add("clipping", "clipping, written differently",
        written("clipping", CLIPPING_INDEPENDENT, base=""))
    add("activations", "activations, class grading's mistake",
        written("activations", DERIVATIVE_AT_ACTIVATION))
    add("clipping", "clipping, class grading's mistake", written("clipping", CLIP_BY_VALUE))
    for path in sorted((ROOT / "tests" / "students").glob("*_independent.py")):
        exercise = path.stem.removesuffix("_independent")
        add(exercise, f"{exercise}, written differently", path.read_text())
    return found


def rounds(tmp_path: Path) -> list[tuple[Path, dict[str, str]]]:
    """Folders of at most one student per exercise: (folder, {file: label})."""
    per_exercise = students()
    folders = []
    for number in range(max(len(items) for items in per_exercise.values())):
        folder = tmp_path / f"round{number}"
        folder.mkdir()
        labels = {}
        for exercise, items in per_exercise.items():
            if number < len(items):
                label, text = items[number]
                (folder / f"{exercise}.py").write_text(text, encoding="utf-8")
                labels[f"{exercise}.py"] = label
        folders.append((folder, labels))
    return folders


def compare(full: dict, theirs: dict, label: str) -> None:
    mine, edition = by_check(full), by_check(theirs)
    assert list(edition) == list(mine), label
    for check_id, seen in mine.items():
        assert edition[check_id] == seen, f"{label}: {check_id}"
    for ours, other in zip(full["exercises"], theirs["exercises"]):
        assert (other["id"], other["score"], other["max_score"]) == \
            (ours["id"], ours["score"], ours["max_score"]), label
    assert (theirs["score"], theirs["max_score"]) == (full["score"], full["max_score"])
    assert theirs["edition"] == "student" and full["edition"] == "full"


def test_every_student_the_tests_write_is_checked_alike(released, tmp_path):
    count = sum(len(items) for items in students().values())
    assert count == (len(ACTIVATIONS) + len(CLIPPING) + len(LSTM_VARIANTS) + len(RECURRENT)
                     + len(LAZY) + 2 + 4 + 2)  # every one of them
    for folder, labels in rounds(tmp_path):
        exercises = [name[:-3] for name in labels]
        full = check_json(run_full("check", "--json", "--dir", str(folder), *exercises))
        theirs = check_json(run_edition(released.out, "check", "--json", "--dir", str(folder),
                                        *exercises))
        compare(full, theirs, f"{folder.name}: {', '.join(labels.values())}")


@pytest.mark.parametrize("folder", ["solutions", "exercises"])
def test_the_solutions_and_the_stubs_are_checked_alike(released, tmp_path, folder):
    mine = ROOT / folder
    if folder == "solutions":  # the edition has none: the student copies them in
        theirs = tmp_path / "solutions"
        shutil.copytree(mine, theirs)
    else:
        theirs = released.out / "exercises"
    full = run_full("check", "--json", "--dir", str(mine))
    edition = run_edition(released.out, "check", "--json", "--dir", str(theirs))
    assert full.returncode == edition.returncode == (0 if folder == "solutions" else 1)
    compare(check_json(full), check_json(edition), folder)
