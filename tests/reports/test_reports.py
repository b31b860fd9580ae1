"""The class reports and per-student exports, from hand-made results; the quiz
column through the quiz adapter with a fake quiz module."""

import csv
import io
import json
import types
from pathlib import Path

import pytest
from helpers.classroom import Page, add_folder, assert_gradescope_shape, full_class, make_course

from rnncourse.grading import judge, quizzes
from rnncourse.reports import classreport as report
from rnncourse.reports import exports
from rnncourse.reports.feedback import feedback_markdown
from rnncourse.reports.gradescope import gradescope_results
from rnncourse.results import CheckResult, CourseResult, ExerciseResult, QuizScore, Row

SECRET = "HIDDEN-CASE-INPUT-0.123456"


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """The course with the two exercises these hand-made results cover."""
    from rnncourse.course import manifest as course_module

    return course_module.load(make_course(tmp_path_factory.mktemp("course") / "course"))


def result(course, *, hidden_output=SECRET, message="<b>boom</b> & [link](http://x)"):
    activations = ExerciseResult("activations", "Activations", 10.0, notes="vanishing.derivatives")
    activations.checks = [
        CheckResult("sigmoid.values", "sigmoid", True, 4.0, 4.0),
        CheckResult("tanh_derivative.values", "tanh_derivative", False, 0.0, 4.0,
                    message=message, misconception="derivative-at-activation",
                    hint=course.misconception("derivative-at-activation").hint,
                    notes="vanishing.derivatives", kind="fail", output="debug 42"),
        CheckResult("tanh_derivative.hidden-large", "tanh_derivative", False, 0.0, 2.0,
                    message="tanh_derivative differs on a hidden case: relative error 1e-01",
                    hidden=True, kind="fail", output=hidden_output),
    ]
    clipping = ExerciseResult("clipping", "Clipping", 10.0, notes="remedies.clipping",
                              problem="clipping.py is missing from x/")
    clipping.checks = [CheckResult("global_norm.values", "global_norm", False, 0.0, 10.0,
                                   message="clipping.py is missing from x/", kind="missing")]
    return CourseResult([activations, clipping], hidden_included=True)


def test_rows_add_up(course):
    row = Row("amy", result(course), QuizScore(3.0, 5.0))
    assert row.score() == 7.0 and row.max_score(course) == 25.0
    assert Row("bo", None, status="invalid", reason="bad zip").score() == 0
    assert Row("cy", None, status="pending").score() is None
    assert Row("bo", None, status="invalid").max_score(course) == 20.0


def test_grades_csv(course):
    rows = [Row("amy", result(course), QuizScore(3.0, 5.0)),
            Row("=HYPERLINK(1)", None, status="invalid", reason="bad id"),
            Row("cy", None, status="pending")]
    table = list(csv.reader(io.StringIO(report.grades_csv(course, rows))))
    assert table == [
        ["student_id", "activations", "clipping", "quiz", "score", "max_score", "status",
         "notes"],
        ["amy", "4", "0", "3", "7", "25", "graded", ""],
        ["'=HYPERLINK(1)", "0", "0", "", "0", "20", "invalid", ""],
        ["cy", "", "", "", "", "20", "pending", ""],
    ]


def test_report_html_escapes_and_holds_everything(course):
    rows = [Row("<script>alert(1)</script>", result(course)),
            Row("amy", result(course), QuizScore(5.0, 5.0)),
            Row("bo", None, status="invalid", reason="bo.zip <is> broken")]
    text = report.report_html(course, rows, ["a note <b>"])
    assert "<script>" not in text and "<b>boom" not in text and "<is>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    page = Page(text)
    bars = {bar["data-bin"]: int(bar["data-count"]) for bar in page.bars}
    assert len(bars) == 10 and sum(bars.values()) == 2  # the invalid submission left out
    assert bars["20-30"] == bars["30-40"] == 1  # 4/20 and 9/25
    checks = {row[0]: row for row in page.tables["checks-activations"][1:]}
    assert checks["tanh_derivative.hidden-large hidden"][2].endswith("0% (0/2)")
    assert checks["sigmoid.values"][2].endswith("100% (2/2)")
    assert "wrong result 2" in checks["tanh_derivative.values"][3]
    misconceptions = page.tables["misconceptions"][1:]
    assert len(misconceptions) == 1 and misconceptions[0][0] == "2 (100%)"
    assert misconceptions[0][2] == "rnncourse notes vanishing.derivatives"
    students = page.rows("students")
    assert students["bo"][-2:] == ["invalid", "bo.zip <is> broken"]
    assert "clipping: clipping.py is missing from x/" in students["amy"][-1]


def test_feedback_never_shows_what_a_hidden_check_printed(course):
    text = feedback_markdown(course, Row("amy", result(course), graded_at="T"))
    assert SECRET not in text
    assert "tanh_derivative differs on a hidden case" in text  # its message is shown
    assert "debug 42" in text  # public checks show what the code printed
    assert "Misconception: derivative applied to the activation instead of the " \
           "pre\\-activation" not in text  # '-' is not escaped
    assert "Misconception: derivative applied to the activation instead of the " \
           "pre-activation (derivative-at-activation)" in text
    assert "\\<b\\>boom\\</b\\> & \\[link\\](http://x)" in text  # inert Markdown


def test_gradescope_results(course):
    results = gradescope_results(course, Row("amy", result(course), QuizScore(1.0, 2.0)))
    assert_gradescope_shape(results)
    tests = {test["name"]: test for test in results["tests"]}
    hidden = tests["activations: tanh_derivative.hidden-large (hidden)"]
    assert hidden["visibility"] == "after_published" and SECRET not in hidden["output"]
    assert tests["activations: sigmoid.values"]["visibility"] == "visible"
    assert tests["quiz"]["score"] == 1.0 and tests["quiz"]["max_score"] == 2.0
    assert results["score"] == 5.0
    assert SECRET not in json.dumps(results)
    invalid = gradescope_results(course, Row("bo", None, status="invalid",
                                                     reason="bo.zip is broken"))
    assert_gradescope_shape(invalid)
    assert invalid["score"] == 0 and all(t["output"] == "bo.zip is broken"
                                         for t in invalid["tests"])


def test_exports_write_only_graded_students_with_valid_ids(course, tmp_path):
    (tmp_path / "feedback").mkdir()
    (tmp_path / "feedback" / "gone.md").write_text("a student no longer in the class")
    rows = [Row("amy", result(course)), Row("Jane Doe", None, status="invalid", reason="id"),
            Row("cy", None, status="error", reason="judge died")]
    written = exports.write(tmp_path, course, rows)
    assert written["feedback"] == written["gradescope"] == 1
    assert sorted(p.name for p in (tmp_path / "feedback").iterdir()) == ["amy.md"]
    assert sorted(p.name for p in (tmp_path / "gradescope").iterdir()) == ["amy.json"]
    assert not list(tmp_path.glob("**/*.tmp"))


# ----------------------------------------------------------------------------
# Quizzes, through a fake rnncourse.quiz with the agreed interface


class FakeQuizResult:
    def __init__(self, score, max_score):
        self.score, self.max_score = score, max_score
        self.questions = []

    def to_dict(self):
        return {"score": self.score, "max_score": self.max_score, "questions": []}


def fake_quiz_module(bank_error=None):
    def load_bank(course):
        if bank_error:
            raise bank_error
        return {"q1": "b", "q2": "a", "q3": "c"}

    def read_answers(path, strict=True):
        return json.loads(Path(path).read_text())

    def grade_answers(bank, answers, questions=None):
        return FakeQuizResult(float(sum(answers.get(q) == a for q, a in bank.items())),
                              float(len(bank)))

    return types.SimpleNamespace(load_bank=load_bank, read_answers=read_answers,
                                 grade_answers=grade_answers)


@pytest.fixture
def fake_quiz(monkeypatch):
    module = fake_quiz_module()
    monkeypatch.setitem(__import__("sys").modules, "fake_rnncourse_quiz", module)
    grader, note = quizzes.load(None, "fake_rnncourse_quiz")
    assert note == ""
    return grader


def test_quiz_answers_are_graded(fake_quiz, tmp_path):
    (tmp_path / "quiz_answers.json").write_text('{"q1": "b", "q2": "c"}')
    score = fake_quiz.grade(tmp_path)
    assert (score.score, score.max_score, score.problem) == (1.0, 3.0, "")
    assert QuizScore.from_dict(score.to_dict()) == score


def test_no_or_unreadable_answers_score_zero_with_a_reason(fake_quiz, tmp_path):
    missing = fake_quiz.grade(tmp_path)
    assert (missing.score, missing.max_score) == (0.0, 3.0)
    assert missing.problem == "no quiz answers file (quiz_answers.toml or quiz_answers.json)"
    (tmp_path / "quiz_answers.json").write_text("{not json")
    broken = fake_quiz.grade(tmp_path)
    assert broken.score == 0 and broken.problem.startswith("quiz_answers.json could not be read")


def test_quizzes_not_graded_without_a_working_quiz_module(monkeypatch):
    grader, note = quizzes.load(None, "rnncourse.no_such_quiz_module")
    assert grader is None and note == "Quizzes are not graded: this rnncourse has no quiz module"
    monkeypatch.setitem(__import__("sys").modules, "broken_bank",
                        fake_quiz_module(ValueError("bad bank")))
    grader, note = quizzes.load(None, "broken_bank")
    assert grader is None and "the quiz bank could not be loaded (ValueError: bad bank)" in note
    monkeypatch.setitem(__import__("sys").modules, "half", types.SimpleNamespace(load_bank=len))
    assert quizzes.load(None, "half")[1].endswith("half has no read_answers, grade_answers")


def test_a_judge_grades_the_quiz_before_the_students_code_runs(course, fake_quiz, tmp_path):
    folder = add_folder(tmp_path / "subs", "amy", {
        **full_class(),
        "quiz_answers.json": '{"q1": "b", "q2": "a", "q3": "c"}',
    })
    # The student's code tries to rewrite its own answers when imported: too late to
    # count (and its copy is read-only: the write fails, the import goes on).
    (folder / "clipping.py").write_text(
        (folder / "clipping.py").read_text()
        + '\ntry:\n    open("quiz_answers.json", "w").write("{}")\nexcept OSError:\n    pass\n')
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    reply = judge.grade(course, fake_quiz, {"student_id": "amy", "source": str(folder),
                                            "label": "amy/", "timeout": 30}, scratch)
    assert reply.status == "graded" and reply.quiz["score"] == 3.0
    assert CourseResult.from_dict(reply.result).score == 20.0
    assert list(scratch.iterdir()) == []  # the copy is gone
    row = Row("amy", CourseResult.from_dict(reply.result), QuizScore.from_dict(reply.quiz))
    # no [quiz] points (course None): the quiz is reported, not counted in the score
    assert row.score() == 20.0 and row.max_score(course) == 20.0 and not row.quiz.counted


def test_optional_exercises_are_extra_credit_in_the_class_files(course):
    base = result(course)
    extra = ExerciseResult("bonus", "Bonus", 5.0, optional=True)
    extra.checks = [CheckResult("bonus.values", "bonus", True, 5.0, 5.0)]
    with_bonus = CourseResult([*base.exercises, extra], hidden_included=True)
    row = Row("amy", with_bonus)
    assert row.score() == Row("amy", base).score() + 5.0
    assert row.max_score(course) == Row("amy", base).max_score(course)
    assert with_bonus.passed == base.passed


def test_feedback_names_a_file_not_handed_in_once(course):
    """Not one line per check that could not run: the exercise, its score, one line."""
    text = feedback_markdown(course, Row("amy", result(course)))
    section = text.split("## clipping")[1].split("## ")[0]
    assert "0 / 10" in section.splitlines()[0]
    assert section.count("clipping.py is missing from x/") == 1
    assert "none of its 1 checks could run." in section
    assert "global_norm.values" not in section and "✗" not in section


def test_feedback_says_how_the_files_were_read(course):
    row = Row("amy", result(course), notes=["took 'RNN (1).py' as rnn.py"])
    text = feedback_markdown(course, row)
    assert "How your files were read" in text and "took 'RNN (1).py' as rnn.py" in text
    assert "How your files were read" not in feedback_markdown(course, Row("bo", result(course)))
