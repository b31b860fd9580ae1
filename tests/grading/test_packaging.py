"""`rnncourse grade` on a class holding every common packaging slip: the right
files are graded, each slip is named in the summary, grades.csv, the report and
the student's feedback, an ambiguous one is not guessed, and a second run finds
every submission unchanged (the judge's copy and the scan agree on the hash)."""

import csv
import re

import pytest
from helpers.classroom import (
    Page,
    add_folder,
    add_zip,
    full_class,
    grade,
    gradebook_rows,
    load_course,
    make_course,
    points,
    scores,
    solution,
    stub,
)

from rnncourse.quiz import grading as quiz

ACT, CLIP = solution("activations"), solution("clipping")
# student id -> (what they handed in, the exercises graded as full, the words of its note)
SLIPS = {
    "plain": (full_class(), {"activations", "clipping"}, None),
    "case": ({"Activations.py": ACT, "CLIPPING.py": CLIP}, {"activations", "clipping"},
             "took 'Activations.py' as activations.py"),
    "copies": ({"activations (1).py": ACT, "clipping-copy.py": CLIP},
               {"activations", "clipping"}, "took 'clipping-copy.py' as clipping.py"),
    "finals": ({"activations_final.py": ACT, "clipping copy.py": CLIP},
               {"activations", "clipping"}, "took 'activations_final.py' as activations.py"),
    "wrapped": ({"hw3/activations.py": ACT, "hw3/clipping.py": CLIP},
                {"activations", "clipping"},
                "the exercise files were read from the folder 'hw3/'"),
    "nested": ({"a/b/exercises/activations.py": ACT, "a/b/exercises/clipping.py": CLIP},
               {"activations", "clipping"},
               "the exercise files were read from the folder 'a/b/exercises/'"),
    "stray": ({"activations.py": ACT, "clip.py": CLIP, "scratch.py": "x = 1\n"},
              {"activations"}, "not graded: 'clip.py' (did you mean clipping.py?), "
                               "'scratch.py'"),
    "nothing": ({"homework.py": ACT, "README.md": "my work\n"}, set(),
                "no exercise file was found"),
    "ambiguous": ({"Activations.py": ACT, "activations (1).py": stub("activations"),
                   "clipping.py": CLIP}, {"clipping"},
                  "'Activations.py' and 'activations (1).py' could each be activations.py: "
                  "neither was graded"),
}


@pytest.fixture(scope="module")
def slipped(tmp_path_factory):
    base = tmp_path_factory.mktemp("slips")
    root = make_course(base / "course")
    course = load_course(root)
    subs = base / "submissions"
    subs.mkdir()
    for student_id, (files, _, _) in SLIPS.items():
        add_folder(subs, student_id, files)
    # the whole student edition zipped: its package holds check modules named like the
    # exercises (a decoy the grader must not take); the quiz answers beside exercises/
    bank = quiz.load_bank(course)
    first = bank.questions[0]
    key = quiz.answer_key(bank, [first])
    answers = "\n".join(f"{name} = {quiz.toml_value(value)}" for name, value in key.items())
    add_zip(subs, "course-zip", {
        "rnn-course/exercises/activations.py": ACT, "rnn-course/exercises/clipping.py": CLIP,
        "rnn-course/grader/rnncourse/checks/activations.py": stub("activations"),
        "rnn-course/quiz_answers.toml": answers + "\n", "rnn-course/README.md": "# course\n"})
    out = base / "out"
    done = grade(root, subs, out)
    again = grade(root, subs, out)
    return {"course": course, "out": out, "done": done, "again": again}


def csv_rows(out):
    with open(out / "grades.csv", newline="", encoding="utf-8") as file:
        return {row["student_id"]: row for row in csv.DictReader(file)}


@pytest.mark.parametrize("student_id", sorted(SLIPS))
def test_the_right_files_are_graded(slipped, student_id):
    course = slipped["course"]
    _, full, _ = SLIPS[student_id]
    row = gradebook_rows(slipped["out"])[student_id]
    assert row["status"] == "graded"
    want = {e: points(course, e) if e in full else 0 for e in ("activations", "clipping")}
    assert scores(row) == pytest.approx(want, abs=1e-6)


def test_the_whole_course_zipped_is_read_from_its_exercises_folder(slipped):
    course = slipped["course"]
    row = gradebook_rows(slipped["out"])["course-zip"]
    assert scores(row) == pytest.approx({e: points(course, e) for e in ("activations",
                                                                         "clipping")})
    table = csv_rows(slipped["out"])["course-zip"]
    assert float(table["quiz"]) > 0  # its answers file beside exercises/ was found
    # the zip's one top folder is read as its root (as always), then exercises/ is found
    assert "the exercise files were read from the folder 'exercises/'" in table["notes"]
    assert table["notes"] == "the exercise files were read from the folder 'exercises/'"


@pytest.mark.parametrize("student_id", sorted(SLIPS))
def test_each_slip_is_named_in_grades_csv_and_the_feedback(slipped, student_id):
    _, _, words = SLIPS[student_id]
    notes = csv_rows(slipped["out"])[student_id]["notes"]
    feedback = (slipped["out"] / "feedback" / f"{student_id}.md").read_text(encoding="utf-8")
    if words is None:
        assert notes == "" and "How your files were read" not in feedback
        return
    assert words in notes
    assert "How your files were read" in feedback
    assert words.replace("'", "").split()[0] in feedback  # escaped Markdown, same words


def test_the_summary_flags_every_slip(slipped):
    done = slipped["done"]
    assert done.returncode == 0, done.stdout + done.stderr
    text = " ".join(done.stdout.split())
    flagged = [student for student, (_, _, words) in SLIPS.items() if words] + ["course-zip"]
    assert f"{len(flagged)} submission(s) were handed in differently" in text
    for student_id in flagged:
        assert f"notes {student_id}: " in text
    assert "notes plain:" not in text


def test_the_report_flags_them_at_the_top(slipped):
    text = (slipped["out"] / "report.html").read_text(encoding="utf-8")
    page = Page(text)
    assert text.index('id="packaging"') < text.index('id="summary"')
    flagged = {student for student, (_, _, words) in SLIPS.items() if words} | {"course-zip"}
    listed = set(re.findall(r'<li data-student="([^"]+)">', text))
    assert listed == flagged
    students = page.rows("students")
    assert "nothing notes" in students and "plain" in students  # a tag on the flagged only


def test_a_second_run_finds_every_submission_unchanged(slipped):
    """The judge's copy and the scan hash the same layout: nothing is graded twice."""
    again = slipped["again"]
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Graded 0 student(s)" in again.stdout
    assert f"{len(SLIPS) + 1} unchanged since their last grading were kept" in \
        " ".join(again.stdout.split())
