"""The quiz in class grading, end to end: a [quiz] that grades a part of the
bank, a typo that costs one question, one maximum for every student (invalid
ones included), and feedback per question with the right answers after the
deadline set in course.toml."""

import csv
import json
import sqlite3

import pytest
from helpers.classroom import add_folder, full_class, grade, make_course

from rnncourse.course import manifest as course_module
from rnncourse.quiz import grading as quiz

POINTS = 20


def class_course(folder, settings):
    root = make_course(folder)
    manifest = root / "course.toml"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text.replace("points = 20\n", f"points = 20\n{settings}\n", 1),
                        encoding="utf-8")
    return course_module.load(root)


@pytest.fixture(scope="module")
def quizzed(tmp_path_factory):
    base = tmp_path_factory.mktemp("quizzed")
    course = class_course(base / "course", 'topics = ["lstm", "gru"]\nper_topic = 4\nseed = 3\n'
                                            "answers_after = 2000-01-01T00:00:00Z")
    bank = quiz.load_bank(course)
    graded = quiz.graded_questions(course, bank)
    key = quiz.answer_key(bank, graded)
    typo = dict(key)
    first = graded[0].id
    typo[first + "x"] = typo.pop(first)
    outside = next(q for q in bank.questions if q not in graded)
    subs = base / "submissions"
    subs.mkdir()
    add_folder(subs, "keyed", {**full_class(), "quiz_answers.json": json.dumps(key)})
    add_folder(subs, "typo", {**full_class(), "quiz_answers.json": json.dumps(typo)})
    add_folder(subs, "extra", {**full_class(), "quiz_answers.json": json.dumps(
        {**key, **quiz.answer_key(bank, [outside])})})
    add_folder(subs, "silent", full_class())
    (subs / "broken.zip").write_bytes(b"PK\x03\x04 not a zip")
    out = base / "out"
    done = grade(course.root, subs, out)
    with open(out / "grades.csv", newline="") as file:
        table = {row["student_id"]: row for row in csv.DictReader(file)}
    return {"course": course, "graded": graded, "first": first, "out": out, "done": done,
            "table": table, "outside": outside}


def test_the_subset_is_what_is_graded(quizzed):
    graded = quizzed["graded"]
    assert len(graded) == 8 and {q.topic for q in graded} == {"lstm", "gru"}
    with sqlite3.connect(quizzed["out"] / "gradebook.sqlite") as db:
        stored = db.execute("SELECT g.quiz FROM students s JOIN gradings g ON "
                            "g.id = s.grading_id WHERE s.student_id = 'keyed'").fetchone()[0]
    detail = json.loads(stored)["detail"]
    assert [entry["id"] for entry in detail["questions"]] == [q.id for q in graded]
    assert quizzed["table"]["keyed"]["quiz"] == "20"
    assert quizzed["table"]["extra"]["quiz"] == "20"  # an answer outside the quiz: not counted


def test_a_typo_costs_one_question(quizzed):
    assert float(quizzed["table"]["typo"]["quiz"]) == round(POINTS * 7 / 8, 2) == 17.5
    feedback = (quizzed["out"] / "feedback" / "typo.md").read_text(encoding="utf-8")
    first = quizzed["first"]
    # Markdown-escaped as all student text; the same words
    assert (f"1 unknown question id, not graded: '{first}x' (did you mean '{first}'?)"
            in feedback.replace("\\", ""))


def test_every_student_has_the_same_maximum(quizzed):
    table = quizzed["table"]
    assert table["broken"]["status"] == "invalid" and table["silent"]["quiz"] == "0"
    assert {row["max_score"] for row in table.values()} == {f"{20 + POINTS}"}
    assert quizzed["done"].returncode == 1  # broken.zip is not graded


def test_feedback_shows_each_question_and_after_the_deadline_its_answer(quizzed):
    text = (quizzed["out"] / "feedback" / "typo.md").read_text(encoding="utf-8")
    assert "## Quiz: 17.5 / 20" in text and "7 of 8 questions right." in text
    assert "| question | result | your answer | right answer | read |" in text
    first = quizzed["graded"][0]
    line = next(line for line in text.splitlines() if line.startswith(f"| `{first.id}`"))
    assert "· unanswered" in line and f"rnncourse notes {first.section}" in line
    right = next(line for line in text.splitlines()
                 if line.startswith(f"| `{quizzed['graded'][1].id}`"))
    assert "✓ right" in right and right.rstrip().endswith("|  |")  # nothing to read


def test_before_the_deadline_no_right_answer_is_shown(tmp_path):
    course = class_course(tmp_path / "course", "answers_after = 2999-01-01T00:00:00Z\n"
                                               'questions = ["lstm-output-slice"]')
    subs = tmp_path / "subs"
    add_folder(subs, "amy", {"quiz_answers.toml": 'lstm-output-slice = "a"\n'})
    assert grade(course.root, subs, tmp_path / "out").returncode == 0
    text = (tmp_path / "out" / "feedback" / "amy.md").read_text(encoding="utf-8")
    assert "| question | result | your answer | read |" in text
    assert "| right answer |" not in text
    assert "| `lstm-output-slice` | ✗ wrong | a | `rnncourse notes lstm.equations` |" in text
    assert "The right answers are shown here after 2999-01-01 00:00 UTC." in text


def test_a_student_not_graded_yet_is_out_of_the_same_maximum(quizzed, tmp_path):
    from rnncourse.grading import orchestrator, quizzes, submissions

    course = quizzed["course"]
    subs = tmp_path / "subs"
    add_folder(subs, "late", full_class())
    scan = submissions.scan(subs, submissions.expected(course))
    grader, _ = quizzes.load(course)
    [row] = orchestrator.rows_for(scan, {}, "digest", grader)
    assert row.status == "pending" and row.max_score(course) == 20 + POINTS
