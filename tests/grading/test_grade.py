"""`rnncourse grade` on a class built in a temporary folder: exact scores, every
student a row, the exports, re-runs that grade only what changed."""

import csv
import json
import shutil

import pytest
from helpers.classroom import (
    CLIP_BY_VALUE,
    CLIP_BY_VALUE_FAILS,
    DERIVATIVE_AT_ACTIVATION,
    DERIVATIVE_AT_ACTIVATION_FAILS,
    Page,
    add_folder,
    add_zip,
    assert_gradescope_shape,
    full_class,
    grade,
    gradebook_rows,
    load_course,
    make_course,
    points,
    scores,
    snapshot,
    solution,
    stub,
)

from rnncourse.checking import engine
from rnncourse.sandbox import landlock


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """A class graded once: solutions, stubs, two misconceptions, one file only,
    zips with and without a top folder, and three submissions that cannot be read."""
    base = tmp_path_factory.mktemp("class")
    root = make_course(base / "course")
    subs = base / "submissions"
    subs.mkdir()
    add_folder(subs, "alice", full_class())
    add_folder(subs, "bob", {"activations.py": stub("activations"),
                             "clipping.py": stub("clipping")})
    add_folder(subs, "carol", {"activations.py": solution("activations",
                                                          DERIVATIVE_AT_ACTIVATION),
                               "clipping.py": solution("clipping")})
    add_folder(subs, "dave", {"activations.py": solution("activations"),
                              "clipping.py": solution("clipping", CLIP_BY_VALUE)})
    add_folder(subs, "erin", {"activations.py": solution("activations")})
    add_zip(subs, "frank", full_class(), top="frank")
    add_zip(subs, "gina.lee", {"activations.py": stub("activations"),
                               "clipping.py": solution("clipping")})
    (subs / "henry.zip").write_bytes(b"PK\x03\x04 this is not really a zip")
    add_folder(subs, "Jane Doe", full_class())
    add_folder(subs, "ivan", full_class())
    add_zip(subs, "ivan", full_class())
    (subs / "roster.csv").write_text("not a submission\n")
    (subs / ".DS_Store").write_bytes(b"\0")
    before = snapshot(subs)
    out = base / "out"
    done = grade(root, subs, out)
    return {"root": root, "subs": subs, "out": out, "done": done, "before": before,
            "course": load_course(root)}


def test_exit_code_and_summary(graded):
    done = graded["done"]
    assert done.returncode == 1, done.stdout + done.stderr  # some submissions are invalid
    assert done.stderr == ""
    text = " ".join(done.stdout.split())
    assert "Graded 10 student(s)" in text
    assert "Ignored in SUBMISSIONS (hidden, or neither a folder nor a .zip file): " \
           "roster.csv" in text
    assert "Traceback" not in text


def test_exact_scores(graded):
    course = graded["course"]
    rows = gradebook_rows(graded["out"])
    full = {e: points(course, e) for e in ("activations", "clipping")}
    expected = {
        "alice": full,
        "bob": {"activations": 0, "clipping": 0},
        "carol": {"activations": points(course, "activations", DERIVATIVE_AT_ACTIVATION_FAILS),
                  "clipping": full["clipping"]},
        "dave": {"activations": full["activations"],
                 "clipping": points(course, "clipping", CLIP_BY_VALUE_FAILS)},
        "erin": {"activations": full["activations"], "clipping": 0},
        "frank": full,
        "gina.lee": {"activations": 0, "clipping": full["clipping"]},
    }
    for student_id, want in expected.items():
        assert rows[student_id]["status"] == "graded", student_id
        got = scores(rows[student_id])
        assert got == pytest.approx(want, abs=1e-6), student_id
    assert 0 < expected["carol"]["activations"] < full["activations"]
    assert 0 < expected["dave"]["clipping"] < full["clipping"]


def test_every_student_has_exactly_one_row(graded):
    with open(graded["out"] / "grades.csv", newline="") as file:
        table = list(csv.DictReader(file))
    ids = [row["student_id"] for row in table]
    assert sorted(ids) == sorted(["alice", "bob", "carol", "dave", "erin", "frank", "gina.lee",
                                  "henry", "Jane Doe", "ivan"])
    assert list(table[0]) == ["student_id", "activations", "clipping", "quiz", "score",
                              "max_score", "status", "notes"]
    by_id = {row["student_id"]: row for row in table}
    quiz_points = graded["course"].quiz.points
    assert by_id["alice"]["score"] == "20"
    assert by_id["alice"]["max_score"] == f"{20 + quiz_points:g}"
    assert by_id["erin"]["clipping"] == "0" and by_id["erin"]["score"] == "10"
    assert by_id["alice"]["quiz"] == "0"  # no answers file in the submission
    for student_id in ("henry", "Jane Doe", "ivan"):
        assert by_id[student_id]["status"] == "invalid"
        assert by_id[student_id]["score"] == "0"
    # one maximum for the whole class: an unreadable submission is out of the quiz too
    assert {row["max_score"] for row in table} == {f"{20 + quiz_points:g}"}
    assert all(row["notes"] == "" for row in table)  # every file where grading expects it


def test_invalid_submissions_say_why(graded):
    rows = gradebook_rows(graded["out"])
    assert rows["henry"]["reason"].startswith("henry.zip is not a readable zip file")
    assert "'Jane Doe' is not a valid student id" in rows["Jane Doe"]["reason"]
    assert "it was not graded: rename it (ids are never rewritten)" in rows["Jane Doe"]["reason"]
    assert rows["ivan"]["reason"] == ("ivan/ and ivan.zip are the same student; "
                                      "keep only one of them")


def test_missing_file_is_named_by_the_submission_not_the_temporary_copy(graded):
    erin = gradebook_rows(graded["out"])["erin"]["result"]
    clipping = next(e for e in erin["exercises"] if e["id"] == "clipping")
    assert clipping["problem"] == "clipping.py is missing from erin/"


def test_submissions_are_untouched(graded):
    assert snapshot(graded["subs"]) == graded["before"]


def test_report_html(graded):
    course = graded["course"]
    page = Page((graded["out"] / "report.html").read_text(encoding="utf-8"))
    assert "distribution" in page.svg_ids
    # the 7 graded students; the 3 invalid submissions are left out of the figures
    assert sum(int(bar["data-count"]) for bar in page.bars) == 7
    assert [bar["data-bin"] for bar in page.bars][0] == "0-10"
    for exercise in course.exercises:
        checks = page.tables[f"checks-{exercise.id}"][1:]
        every_check = [spec.id for spec in engine.collect(exercise, True)]
        assert [row[0].replace(" hidden", "") for row in checks] == every_check
    values = next(row for row in page.tables["checks-activations"][1:]
                  if row[0] == "tanh_derivative.values")
    assert "(4/7)" in values[2]  # alice, dave, erin, frank of the 7 graded students
    misconceptions = {row[1] for row in page.tables["misconceptions"][1:]}
    assert any("derivative applied to the activation" in text for text in misconceptions)
    assert any("clipping by value instead of by norm" in text for text in misconceptions)
    notes = {row[2] for row in page.tables["misconceptions"][1:]}
    assert "rnncourse notes vanishing.derivatives" in notes
    assert "rnncourse notes remedies.clipping" in notes
    students = page.rows("students")
    assert set(students) == {"alice", "bob", "carol", "dave", "erin", "frank", "gina.lee",
                             "henry", "Jane Doe", "ivan"}
    assert "clipping.py is missing from erin/" in students["erin"][-1]
    assert "not a readable zip file" in students["henry"][-1]
    assert "quiz: no quiz answers file" in students["alice"][-1]
    text = (graded["out"] / "report.html").read_text()
    if landlock.abi_version() >= 6:
        assert "Isolation of student code: Landlock ABI" in text and "MISSING" not in text


def test_report_is_self_contained(graded):
    text = (graded["out"] / "report.html").read_text(encoding="utf-8")
    for external in ("http://", "https://", "<script", "<link", "src="):
        assert external not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_feedback_and_gradescope_files(graded):
    out = graded["out"]
    valid = {"alice", "bob", "carol", "dave", "erin", "frank", "gina.lee", "henry", "ivan"}
    assert {p.stem for p in (out / "feedback").iterdir()} == valid  # not 'Jane Doe'
    assert {p.stem for p in (out / "gradescope").iterdir()} == valid
    carol = (out / "feedback" / "carol.md").read_text()
    assert "✗ `tanh_derivative.values`" in carol
    assert "Misconception: derivative applied to the activation" in carol
    assert "Read: `rnncourse notes vanishing.derivatives`" in carol
    results = json.loads((out / "gradescope" / "carol.json").read_text())
    assert_gradescope_shape(results)
    course = graded["course"]
    assert results["score"] == pytest.approx(
        points(course, "activations", DERIVATIVE_AT_ACTIVATION_FAILS) + 10)
    failed = {t["name"] for t in results["tests"] if t["status"] == "failed"}
    hidden = {c.id for c in engine.collect(course.exercise("activations")) if c.hidden}
    assert failed == {"quiz"} | {  # no answers file: the quiz scores 0
        f"activations: {check}" + (" (hidden)" if check in hidden else "")
        for check in DERIVATIVE_AT_ACTIVATION_FAILS}


def test_rerun_grades_only_what_changed(graded, tmp_path):
    root = graded["root"]
    subs, out = tmp_path / "submissions", tmp_path / "out"
    shutil.copytree(graded["subs"], subs)
    shutil.copytree(graded["out"], out)
    first = gradebook_rows(out)
    (subs / "bob" / "activations.py").write_text(solution("activations"))
    again = grade(root, subs, out)
    assert again.returncode == 1, again.stdout + again.stderr
    assert "Graded 1 student(s)" in again.stdout
    rows = gradebook_rows(out)
    assert rows["bob"]["gradings"] == 2 and rows["bob"]["run_id"] == 2
    assert scores(rows["bob"])["activations"] == pytest.approx(10)
    for student_id, row in rows.items():
        if student_id != "bob":
            assert row["gradings"] == 1 and row["graded_at"] == first[student_id]["graded_at"]
    forced = grade(root, subs, out, "--force", "--jobs", "1")
    assert "Graded 10 student(s)" in forced.stdout
    assert all(row["gradings"] >= 2 for row in gradebook_rows(out).values())
