"""Grading answers fairly: an unknown id costs only itself, course.toml's [quiz]
chooses the graded questions, and the class adapter keeps one maximum."""

import dataclasses
import datetime
import json
from collections import Counter

import pytest
from helpers.course import ROOT

from rnncourse.course import manifest as course_module
from rnncourse.course.manifest import QuizConfig
from rnncourse.errors import CourseError
from rnncourse.grading import quizzes
from rnncourse.quiz import grading as quiz


@pytest.fixture(scope="module")
def bank(course):
    return quiz.load_bank(course)


def with_quiz(course, **settings):
    assert course.quiz is not None
    return dataclasses.replace(course, quiz=dataclasses.replace(course.quiz, **settings))


def test_an_unknown_id_costs_only_itself(bank):
    questions = [q for q in bank.questions if q.topic == "lstm"]
    answers = quiz.answer_key(bank, questions)
    right = quiz.grade_answers(bank, answers, questions)
    answers["lstm-output-slise"] = answers.pop("lstm-output-slice")
    answers["no-such-question"] = "a"
    result = quiz.grade_answers(bank, answers, questions)
    assert result.score == right.score - 1 and result.max_score == right.max_score
    assert [(u.id, u.did_you_mean) for u in result.unknown] == [
        ("lstm-output-slise", "lstm-output-slice"), ("no-such-question", None)]
    assert result.problem == ("2 unknown question ids, not graded: 'lstm-output-slise' (did "
                              "you mean 'lstm-output-slice'?), 'no-such-question'")
    data = result.to_dict()
    assert data["unknown"][0] == {"id": "lstm-output-slise", "did_you_mean": "lstm-output-slice"}
    json.dumps(data)


def test_answers_outside_the_graded_questions_are_listed_not_graded(bank):
    lstm = [q for q in bank.questions if q.topic == "lstm"]
    gru = [q for q in bank.questions if q.topic == "gru"]
    result = quiz.grade_answers(bank, quiz.answer_key(bank, lstm + gru[:2]), lstm)
    assert result.score == len(lstm) and result.outside == [q.id for q in gru[:2]]


def test_an_entry_that_is_no_answer_costs_only_its_question(tmp_path, bank):
    path = tmp_path / "a.json"
    path.write_text(json.dumps({"lstm-output-slice": {"a": 1}, "lstm-do": "c"}))
    with pytest.raises(CourseError, match="expected an answer"):
        quiz.read_answers(path)  # `rnncourse quiz --answers` says so at once
    answers = quiz.read_answers(path, strict=False)
    entry = next(e for e in quiz.grade_answers(bank, answers).questions
                 if e.id == "lstm-output-slice")
    assert entry.answered and not entry.correct and entry.problem


def test_every_entry_holds_the_right_answer_in_file_form(bank):
    result = quiz.grade_answers(bank, {})
    key = quiz.answer_key(bank, list(bank.questions))
    assert {e.id: e.answer for e in result.questions} == key


def test_the_whole_bank_by_default(course, bank):
    assert quiz.graded_questions(course, bank) == list(bank.questions)


def test_graded_questions_by_id_and_by_topic(course, bank):
    ids = ["lstm-output-slice", "vanishing-sigmoid-peak"]
    chosen = quiz.graded_questions(with_quiz(course, questions=tuple(ids)), bank)
    assert [q.id for q in chosen] == [q.id for q in bank.questions if q.id in ids]
    chosen = quiz.graded_questions(with_quiz(course, topics=("lstm", "gru.backward")), bank)
    assert chosen == [q for q in bank.questions
                      if q.topic == "lstm" or q.section == "gru.backward"]


def test_n_per_topic_is_a_fixed_draw(course, bank):
    config = with_quiz(course, per_topic=3, seed=11)
    first = quiz.graded_questions(config, bank)
    assert first == quiz.graded_questions(config, bank)  # the same for every student, every run
    counts = Counter(q.topic for q in first)
    assert set(counts) == set(bank.topics)
    assert all(count == min(3, sum(q.topic == t for q in bank.questions))
               for t, count in counts.items())
    assert quiz.graded_questions(with_quiz(course, per_topic=3, seed=12), bank) != first
    only = quiz.graded_questions(with_quiz(course, per_topic=2, seed=11, topics=("lstm",)), bank)
    assert len(only) == 2 and {q.topic for q in only} == {"lstm"}


@pytest.mark.parametrize("settings, message", [
    ({"questions": ("lstm-output-slise",)},
     "[quiz] key 'questions': no question 'lstm-output-slise' in bank.toml; did you mean "
     "'lstm-output-slice'?"),
    ({"topics": ("lsmt",)}, "[quiz] key 'topics': no question on 'lsmt' in bank.toml; did you "
                            "mean 'lstm'?"),
])
def test_a_selection_naming_nothing_in_the_bank_is_refused(course, bank, settings, message):
    with pytest.raises(CourseError) as raised:
        quiz.graded_questions(with_quiz(course, **settings), bank)
    assert message in str(raised.value)
    with pytest.raises(CourseError):  # and class grading stops before anything is written
        quizzes.load(with_quiz(course, **settings))


@pytest.mark.parametrize("lines, message", [
    ("questions = 'lstm-do'", "key 'questions': expected a list of names"),
    ("topics = ['lstm', 'lstm']", "key 'topics': a name appears twice"),
    ("per_topic = 0", "key 'per_topic': expected a whole number >= 1"),
    ("per_topic = 2.5", "key 'per_topic': expected a whole number >= 1"),
    ("seed = 'x'", "key 'seed': expected a whole number"),
    ("questions = ['a']\ntopics = ['lstm']", "either by id or by topics"),
    ("answers_after = '2025-06-30'", "key 'answers_after': expected a TOML date"),
    ("shuffle = true", "key 'shuffle': unknown setting"),
])
def test_malformed_quiz_settings(tmp_path, lines, message):
    text = (ROOT / "course.toml").read_text(encoding="utf-8")
    text = text.replace("points = 20\n", f"points = 20\n{lines}\n", 1)
    (tmp_path / "course.toml").write_text(text, encoding="utf-8")
    with pytest.raises(CourseError) as raised:
        course_module.load(tmp_path)
    assert message in str(raised.value) and "[quiz] " in str(raised.value)


@pytest.mark.parametrize("value, expected", [
    ("2025-06-30T23:59:00Z", datetime.datetime(2025, 6, 30, 23, 59, tzinfo=datetime.UTC)),
    ("2025-06-30T23:59:00+02:00",
     datetime.datetime(2025, 6, 30, 21, 59, tzinfo=datetime.UTC)),
])
def test_answers_after_is_a_moment(tmp_path, value, expected):
    text = (ROOT / "course.toml").read_text(encoding="utf-8")
    text = text.replace("points = 20\n", f"points = 20\nanswers_after = {value}\n", 1)
    (tmp_path / "course.toml").write_text(text, encoding="utf-8")
    config = course_module.load(tmp_path).quiz
    assert config is not None and config.answers_after == expected
    assert config.answers_shown(expected) and not config.answers_shown(
        expected - datetime.timedelta(seconds=1))
    assert not QuizConfig("quiz/bank.toml").answers_shown()  # no setting: never


def test_a_date_alone_means_its_midnight_local_time(tmp_path):
    text = (ROOT / "course.toml").read_text(encoding="utf-8")
    text = text.replace("points = 20\n", "points = 20\nanswers_after = 2025-06-30\n", 1)
    (tmp_path / "course.toml").write_text(text, encoding="utf-8")
    config = course_module.load(tmp_path).quiz
    assert config is not None and config.answers_after is not None
    assert config.answers_after.replace(tzinfo=None) == datetime.datetime(2025, 6, 30)


def test_the_class_adapter_rounds_and_keeps_one_maximum(course, tmp_path):
    grader, note = quizzes.load(course)
    assert grader is not None and note == "" and grader.maximum == course.quiz.points
    bank = quiz.load_bank(course)
    three = quiz.answer_key(bank, list(bank.questions[:3]))
    (tmp_path / "quiz_answers.json").write_text(json.dumps(three))
    score = grader.grade(tmp_path)
    assert score.score == round(20 * 3 / len(bank.questions), 2) and score.max_score == 20
    assert score.score == round(score.score, 2)  # 0.38, not 0.379747
    (tmp_path / "quiz_answers.json").write_text("{broken")
    assert grader.grade(tmp_path).max_score == 20
    (tmp_path / "quiz_answers.json").unlink()
    assert grader.grade(tmp_path).max_score == 20


def test_zero_points_reports_the_quiz_without_counting_it(course, tmp_path):
    grader, _ = quizzes.load(with_quiz(course, points=0.0, questions=("lstm-output-slice",)))
    assert grader is not None
    (tmp_path / "quiz_answers.toml").write_text('lstm-output-slice = "c"\n')
    score = grader.grade(tmp_path)
    assert (score.score, score.max_score, score.counted) == (1.0, 1.0, False)
