"""The student edition's course.toml keeps the [quiz] settings students need:
which questions are graded (so `rnncourse quiz --template` and `--export` hand
in those) and when feedback shows the right answers."""

import dataclasses
import datetime

from rnncourse.course import manifest as course_module
from rnncourse.quiz import grading as quiz
from rnncourse.release import files


def test_the_editions_manifest_keeps_the_graded_questions(course, tmp_path):
    moment = datetime.datetime(2025, 6, 30, 21, 59, tzinfo=datetime.UTC)
    for settings in ({"topics": ("lstm", "gru"), "per_topic": 3, "seed": 7,
                      "answers_after": moment},
                     {"questions": ("lstm-output-slice", "vanishing-sigmoid-peak")}, {}):
        chosen = dataclasses.replace(course, quiz=dataclasses.replace(course.quiz, **settings))
        (tmp_path / "course.toml").write_text(files.manifest(chosen, "0.1.0+000000000000"),
                                              encoding="utf-8")
        parsed = course_module.load(tmp_path).quiz
        assert parsed is not None
        assert dataclasses.replace(parsed, bank=chosen.quiz.bank) == chosen.quiz
        bank = quiz.load_bank(course)
        assert quiz.graded_questions(dataclasses.replace(chosen, quiz=parsed), bank) == \
            quiz.graded_questions(chosen, bank)


def test_the_editions_readme_hands_in_with_submit(course):
    text = files.readme(course, "0.1.0+000000000000")
    assert "rnncourse submit --out YOUR_ID.zip" in text
    assert "rnncourse quiz --export quiz_answers.toml" in text
