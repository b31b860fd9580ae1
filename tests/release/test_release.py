"""`rnncourse release`: what the edition holds, bad input refused before anything
is written, OUT written whole or not at all, and the audit."""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers.course import ROOT
from helpers.edition import EDITION_DATA

from rnncourse import edition
from rnncourse.checking.spec import collect
from rnncourse.cli.main import cli
from rnncourse.course import manifest as course_module
from rnncourse.course import stamp, stubs
from rnncourse.quiz.bank import load as load_bank
from rnncourse.release import build


def release(*args: str, home: Path = ROOT):
    return CliRunner().invoke(cli, ["release", *map(str, args)],
                              env={"RNNCOURSE_HOME": str(home)})


def files(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file()}


# ---------------------------------------------------------------- the edition


def test_the_edition_holds_what_students_need(course, released):
    out = released.out
    names = set(files(out))
    assert {"README.md", "pyproject.toml", "course.toml", "quiz/bank.toml", ".gitignore",
            "docs/student-guide.md"} <= names
    assert {f"exercises/{e.file}" for e in course.exercises} <= names
    assert {f"notes/{p.name}" for p in course.notes_dir.glob("*.md")} <= names
    assert course_module.load(out).exercise_ids == course.exercise_ids
    assert load_bank(out / "quiz" / "bank.toml").locked


def test_the_editions_docs_link_only_to_what_it_holds(released):
    links = re.compile(r"\]\(([^)#:]+)(?:#[^)]*)?\)")
    for doc in (released.out / "README.md", released.out / "docs" / "student-guide.md"):
        for target in links.findall(doc.read_text()):
            assert (doc.parent / target).exists(), (doc.name, target)


def test_the_edition_holds_no_solutions_mistakes_or_release_tool(released):
    names = set(files(released.out))
    assert not [name for name in names if name.startswith((
        "solutions/", "tests/", "grader/rnncourse/mistakes/", "grader/rnncourse/release/"))]
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]
    assert not (released.out / "docs" / "instructor-guide.md").exists()


def test_stubs_carry_the_release_stamp_and_are_the_courses_stubs(course, released):
    current = stamp.course_stamp(course)
    assert released.report.stamp == current
    for exercise in course.exercises:
        text = (released.out / "exercises" / exercise.file).read_text()
        assert stubs.release_of(text) == current
        assert stubs.is_untouched_stub(text)
        theirs = (course.exercises_dir / exercise.file).read_text()
        assert text.partition("\n")[2] == theirs.partition("\n")[2]


def test_the_edition_knows_the_hidden_weights_and_nothing_more_of_them(course, released):
    marker = edition.read(released.out / EDITION_DATA)
    assert marker is not None and marker.stamp == released.report.stamp
    for exercise in course.exercises:
        hidden: dict[str, float] = {}
        for spec in collect(exercise):
            if spec.hidden:
                hidden[spec.function] = hidden.get(spec.function, 0.0) + spec.weight
        assert marker.hidden_weights[exercise.id] == hidden
    text = (released.out / EDITION_DATA / edition.MARKER).read_text()
    assert ".hidden" not in text  # no check ids, no code


def test_the_records_are_compact_float64(released):
    records = released.out / EDITION_DATA / edition.RECORDS
    assert records.stat().st_size < 1_000_000
    with zipfile.ZipFile(records) as archive:
        assert all(name.endswith(".npy") for name in archive.namelist())
    assert released.report.records > 100


# ---------------------------------------------------------------- bad input


def course_copy(tmp_path: Path) -> Path:
    root = tmp_path / "course"
    root.mkdir()
    for name in ("course.toml", "pyproject.toml"):
        shutil.copy(ROOT / name, root / name)
    for name in ("solutions", "exercises", "notes", "quiz", "docs"):
        shutil.copytree(ROOT / name, root / name)
    return root


def assert_refused(result, message: str, parent: Path, before: set[str]) -> None:
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1, result.output  # one line
    assert "Traceback" not in result.output
    assert {path.name for path in parent.iterdir()} == before  # nothing written


def test_out_inside_the_course_folder_is_refused(tmp_path):
    root = course_copy(tmp_path)
    before = {path.name for path in root.iterdir()}
    assert_refused(release(root / "student", home=root), "inside the course folder", root,
                   before)
    before = {path.name for path in (root / "notes").iterdir()}
    assert_refused(release(root / "notes" / "x", home=root), "inside the course folder",
                   root / "notes", before)
    before = {path.name for path in tmp_path.iterdir()}
    assert_refused(release(tmp_path, "--force", home=root), "holds the course folder",
                   tmp_path, before)


@pytest.mark.parametrize("force", [False, True])
def test_an_existing_folder_that_is_not_a_release_is_never_replaced(tmp_path, force):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.tex").write_text("years of work")
    before = {path.name for path in tmp_path.iterdir()}
    assert_refused(release(out, *(["--force"] if force else [])), "is never replaced",
                   tmp_path, before)
    assert files(out) == {"thesis.tex": b"years of work"}


def test_an_earlier_release_needs_force(tmp_path):
    out = tmp_path / "edition"
    (out / EDITION_DATA).mkdir(parents=True)
    marker = edition.Edition("0.0.1", "0" * 12, {})
    (out / EDITION_DATA / edition.MARKER).write_text(json.dumps(marker.to_dict()))
    before = {path.name for path in tmp_path.iterdir()}
    assert_refused(release(out), "add --force", tmp_path, before)


def test_exercises_that_drifted_from_the_solutions_are_refused(tmp_path):
    root = course_copy(tmp_path)
    (root / "exercises" / "rnn.py").write_text("# someone's edits\n")
    before = {path.name for path in tmp_path.iterdir()}
    assert_refused(release(tmp_path / "out", home=root), "exercises/rnn.py has drifted",
                   tmp_path, before)


def test_a_bank_that_fails_validation_is_refused(tmp_path):
    root = course_copy(tmp_path)
    bank = root / "quiz" / "bank.toml"
    bank.write_text(bank.read_text().replace('answer = "b"', 'answer = "z"', 1))
    before = {path.name for path in tmp_path.iterdir()}
    result = release(tmp_path / "out", home=root)
    assert_refused(result, "bank.toml", tmp_path, before)


# ---------------------------------------------------------------- whole or not at all


@pytest.fixture
def quick(monkeypatch):
    """Releases recorded and self-tested with the solutions and the stubs only: the
    behaviour of writing OUT, without the full set of students."""
    full = build.student_rounds
    monkeypatch.setattr(build, "student_rounds", lambda course, scratch: full(course,
                                                                              scratch)[:2])
    monkeypatch.setattr(build, "unseen_rounds", lambda course, scratch: [])


def leftovers(parent: Path) -> list[str]:
    return [path.name for path in parent.iterdir() if ".release-" in path.name
            or ".replaced-" in path.name]


def test_force_replaces_an_earlier_release(tmp_path, quick):
    out = tmp_path / "edition"
    assert release(out).exit_code == 0
    (out / "planted.txt").write_text("from the earlier release")
    assert release(out).exit_code == 2
    result = release(out, "--force")
    assert result.exit_code == 0, result.output
    assert not (out / "planted.txt").exists() and build.is_release(out)
    assert leftovers(tmp_path) == []


def test_a_failed_audit_writes_nothing_and_names_file_and_line(tmp_path, quick, monkeypatch):
    out = tmp_path / "edition"
    assert release(out).exit_code == 0
    before = files(out)
    secrets = build.audit.secrets

    def with_the_readme_title(course):
        found = secrets(course)
        found.lines["The student edition of **rnncourse**, release"] = "a planted secret"
        return found

    monkeypatch.setattr(build.audit, "secrets", with_the_readme_title)
    monkeypatch.setattr(build.audit, "normalised",
                        lambda line: [" ".join(line.split()), " ".join(line.split())[:45]])
    result = release(out, "--force")
    assert result.exit_code == 1, result.output
    assert "README.md:3: a planted secret" in result.output
    assert "nothing was written" in result.output
    assert files(out) == before and leftovers(tmp_path) == []


def test_a_check_asking_for_an_unrecorded_answer_fails_the_release_by_its_id(
        tmp_path, quick, monkeypatch):
    from rnncourse.release.recording import Recorder

    record = Recorder.call

    def forgetful(self, exercise, module, function, args, kwargs):
        if function == "sigmoid_derivative":
            return getattr(module, function)(*args, **kwargs)
        return record(self, exercise, module, function, args, kwargs)

    monkeypatch.setattr(Recorder, "call", forgetful)
    out = tmp_path / "edition"
    result = release(out)
    assert result.exit_code == 1, result.output
    assert "check sigmoid_derivative.values: the edition could not decide it" in result.output
    assert not out.exists() and leftovers(tmp_path) == []


def test_ctrl_c_leaves_nothing_behind(tmp_path, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(build.engine, "run", interrupted)
    result = release(tmp_path / "edition")
    assert result.exit_code == 130, result.output
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- the audit


def test_the_real_release_passes_the_audit(released):
    result = release("--audit", released.out)
    assert result.exit_code == 0, result.output
    assert "found nothing secret" in result.output


def solution_line(exercise: str) -> str:
    text = (ROOT / "solutions" / exercise).read_text()
    region = text.split(stubs.BEGIN, 1)[1].split(stubs.END, 1)[0]
    return max(region.splitlines(), key=len)


def plant_solution_line(out: Path) -> str:
    with open(out / "exercises" / "gru.py", "a") as file:
        file.write("\n" + solution_line("gru.py") + "\n")
    return "exercises/gru.py:"


def plant_mistakes(out: Path) -> str:
    target = out / "grader" / "rnncourse" / "mistakes"
    target.mkdir()
    shutil.copy(ROOT / "grader" / "rnncourse" / "mistakes" / "rnn.py", target / "rnn.py")
    return "grader/rnncourse/mistakes/rnn.py:"


def plant_plain_bank(out: Path) -> str:
    shutil.copy(ROOT / "quiz" / "bank.toml", out / "quiz" / "bank.toml")
    return "quiz/bank.toml:"


def plant_answer_key(out: Path) -> str:
    (out / "answers.json").write_text('{\n  "rnn-wh-shape": "b"\n}\n')
    return "answers.json:2: the answer to quiz question rnn-wh-shape"


def plant_hidden_check(out: Path) -> str:
    source = (ROOT / "grader" / "rnncourse" / "checks" / "clipping.py").read_text()
    hidden = source[source.index('@check("global_norm.hidden"'):]
    with open(out / "notes" / "extra.md", "a") as file:
        file.write("```python\n" + hidden + "```\n")
    return "notes/extra.md:"


def plant_course_path(out: Path) -> str:
    (out / "where.txt").write_text(f"built from {ROOT}/solutions\n")
    return "where.txt:1: the instructor's course path"


def plant_in_a_zip(out: Path) -> str:
    with zipfile.ZipFile(out / "backup.zip", "w") as archive:
        archive.write(ROOT / "solutions" / "lstm.py", "lstm.py")
    return "backup.zip!lstm.py:"


@pytest.mark.parametrize("plant", [plant_solution_line, plant_mistakes, plant_plain_bank,
                                   plant_answer_key, plant_hidden_check, plant_course_path,
                                   plant_in_a_zip], ids=lambda plant: plant.__name__[6:])
def test_the_audit_finds_what_was_planted(released, tmp_path, plant):
    out = tmp_path / "edition"
    shutil.copytree(released.out, out)
    where = plant(out)
    result = release("--audit", out)
    assert result.exit_code == 1, result.output
    assert where in result.output
    assert "The audit failed" in result.output
