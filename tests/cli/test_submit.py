"""`rnncourse submit`: the zip holds exactly what grading reads, grades exactly
like the folder it came from, and lists the stubs nobody touched."""

import csv
import json
import shutil
import zipfile

import pytest
from click.testing import CliRunner
from helpers.classroom import grade, gradebook_rows, make_course, solution, stub

from rnncourse.cli.main import cli
from rnncourse.course.stamp import course_stamp
from rnncourse.course.stubs import stub_of
from rnncourse.grading import handin
from rnncourse.grading.matching import MANIFEST


@pytest.fixture
def student(tmp_path, monkeypatch):
    """A course copy whose activations.py holds the student's work (a known mistake
    in it) and whose clipping.py is the stub; quiz answers in the working folder."""
    root = make_course(tmp_path / "course")
    stub_text = stub("activations")
    work = stub_text.splitlines(keepends=True)[0] + solution("activations", """
        def tanh_derivative(x):
            return 1 - x ** 2
        """)
    (root / "exercises" / "activations.py").write_text(work, encoding="utf-8")
    here = tmp_path / "here"
    here.mkdir()
    (here / "quiz_answers.toml").write_text('lstm-output-slice = "c"\nno-such-id = "a"\n',
                                            encoding="utf-8")
    monkeypatch.chdir(here)
    monkeypatch.setenv("RNNCOURSE_HOME", str(root))
    monkeypatch.setenv("COLUMNS", "120")
    return root


def submit(*args):
    return CliRunner().invoke(cli, ["submit", *map(str, args)], catch_exceptions=False)


def test_the_zip_holds_what_grading_reads_and_a_manifest(student):
    result = submit()
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile("submission.zip") as archive:
        names = sorted(archive.namelist())
        manifest = json.loads(archive.read(MANIFEST))
        assert archive.read("activations.py") == (student / "exercises" /
                                                  "activations.py").read_bytes()
    assert names == ["activations.py", "clipping.py", "quiz_answers.toml", MANIFEST]
    assert manifest["course"]["version"] == "0.1.0"
    assert manifest["course"]["release"] == result.stdout.split("(release ")[1].split(")")[0]
    files = manifest["files"]
    assert files["clipping.py"]["untouched"] is True
    assert files["activations.py"]["untouched"] is False
    assert files["activations.py"]["stub"] == stub_of(stub("activations")) is not None
    assert manifest["untouched"] == ["clipping.py"] and manifest["missing"] == []
    out = " ".join(result.stdout.split())
    assert "clipping.py untouched stub: scores 0" in out
    assert "Not started (packed as the stubs they are, 0 points): clipping.py" in out
    assert "activations.py your work" in out and "quiz_answers.toml quiz answers" in out


def test_the_zip_grades_exactly_like_the_folder_it_came_from(student, tmp_path):
    assert submit("--out", tmp_path / "subs" / "amy.zip").exit_code == 0
    folder = tmp_path / "subs" / "bob"
    shutil.copytree(student / "exercises", folder)
    shutil.copy("quiz_answers.toml", folder / "quiz_answers.toml")
    done = grade(student, tmp_path / "subs", tmp_path / "out")
    assert done.returncode == 0, done.stdout + done.stderr
    rows = gradebook_rows(tmp_path / "out")

    def seen(row):
        return [(e["id"], e["score"], [(c["id"], c["passed"], c["points"], c["kind"],
                                        c["misconception"]) for c in e["checks"]])
                for e in row["result"]["exercises"]]

    assert seen(rows["amy"]) == seen(rows["bob"])
    assert 0 < rows["amy"]["result"]["score"] < 20  # the mistake costs points; the stub all
    with open(tmp_path / "out" / "grades.csv", newline="") as file:
        table = {row.pop("student_id"): row for row in csv.DictReader(file)}
    # bob's folder also holds this course copy's other stubs, named in his notes
    assert table["amy"].pop("notes") == "" and "not graded: 'gru.py'" in table["bob"].pop("notes")
    assert table["amy"] == table["bob"] and float(table["amy"]["quiz"]) > 0


def test_an_earlier_hand_in_is_replaced_anything_else_is_not(student):
    assert submit().exit_code == 0
    assert submit().exit_code == 0  # its own earlier zip
    other = "notes.zip"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("mine.txt", "keep me")
    result = submit("--out", other)
    assert result.exit_code == 2 and "is not an earlier hand-in; add --force" in result.stderr
    assert zipfile.ZipFile(other).namelist() == ["mine.txt"]
    assert submit("--out", other, "--force").exit_code == 0


@pytest.mark.parametrize("args, text, message", [
    (["--out", "x.tar"], None, "the hand-in is a .zip file"),
    (["--answers", "answers.txt"], "x", "quiz answers must be a .toml or .json file"),
    (["--answers", "bad.toml"], "lstm = ", "not valid TOML"),
])
def test_bad_input_is_one_line_and_writes_nothing(student, args, text, message):
    if text is not None:
        open(args[1], "w").write(text)
    result = submit(*args)
    assert result.exit_code == 2 and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert not list(__import__("pathlib").Path(".").glob("*.zip"))


def test_a_zip_that_would_not_grade_as_packed_is_never_written(student, monkeypatch):
    """The read-back uses grading's own reader: were it to take a file for another,
    nothing is written."""
    from rnncourse.grading import matching

    real = matching.match
    monkeypatch.setattr(matching, "match", lambda names, wanted: real(
        [name.replace("clipping.py", "Clipping (1).py") for name in names], wanted))
    result = submit()
    assert result.exit_code == 2 and "would not grade as packed" in result.stderr
    assert not __import__("pathlib").Path("submission.zip").exists()


def test_no_answers_says_how_to_write_them(student, tmp_path):
    __import__("os").remove("quiz_answers.toml")
    result = submit()
    assert result.exit_code == 0
    assert "rnncourse quiz --export quiz_answers.toml" in " ".join(result.stdout.split())
    with zipfile.ZipFile("submission.zip") as archive:
        assert "quiz_answers.toml" not in archive.namelist()


def test_the_release_named_is_the_courses(student):
    from rnncourse.course import manifest as course_module

    submit()
    manifest = json.loads(zipfile.ZipFile("submission.zip").read(MANIFEST))
    assert manifest["course"]["release"] == course_stamp(course_module.load(student))
    assert handin.is_hand_in(__import__("pathlib").Path("submission.zip"))
