"""The quiz bank: the real one is complete and consistent with the notes; broken
ones fail with one line; a locked copy hides the key yet grades the same."""

import re
import shutil
import tomllib
from collections import Counter

import pytest
from helpers.course import ROOT

from rnncourse.course import notes as notes_module
from rnncourse.errors import CourseError
from rnncourse.quiz import bank as quizbank
from rnncourse.quiz import grading as quiz
from rnncourse.quiz.bank import AnswerError, parse_answer

BANK = ROOT / "quiz" / "bank.toml"


@pytest.fixture(scope="module")
def notes():
    return notes_module.load(ROOT / "notes")


@pytest.fixture(scope="module")
def bank(course):
    return quiz.load_bank(course)


@pytest.fixture(scope="module")
def raw():
    return tomllib.loads(BANK.read_text(encoding="utf-8"))["question"]


def test_course_toml_points_at_the_bank(course):
    assert course.quiz_bank == BANK


def test_ids_are_unique(raw):
    ids = [entry["id"] for entry in raw]
    assert len(ids) == len(set(ids)) >= 60


def test_every_question_references_an_existing_section(raw, notes):
    missing = [(e["id"], e["section"]) for e in raw if notes.section(e["section"]) is None]
    assert not missing, missing


def test_every_section_has_a_question(bank, notes):
    asked = {question.section for question in bank.questions}
    assert not [s for s in notes.section_ids if s not in asked]


def test_every_key_is_one_of_the_choices(raw):
    for entry in raw:
        answer, kind = entry["answer"], entry["kind"]
        if kind in ("single", "wrong-line"):
            assert answer in "abcdefgh"[:len(entry["choices"])], entry["id"]
        elif kind == "multiple":
            assert answer and len(set(answer)) == len(answer), entry["id"]
            assert set(answer) <= set("abcdefgh"[:len(entry["choices"])]), entry["id"]
        elif kind == "truefalse":
            assert isinstance(answer, bool), entry["id"]
        else:
            assert isinstance(answer, (int, float)) and entry["tolerance"] > 0, entry["id"]


def test_explanations_and_prompts_are_real_text(raw):
    for entry in raw:
        assert len(entry["explanation"].split()) >= 8, entry["id"]
        assert len(entry["prompt"].split()) >= 4, entry["id"]


def test_kinds_difficulties_and_spread(bank):
    kinds = Counter(question.kind for question in bank.questions)
    assert set(kinds) == set(quizbank.KINDS) and min(kinds.values()) >= 5
    assert set(Counter(q.difficulty for q in bank.questions)) == set(quizbank.DIFFICULTIES)
    per_topic = Counter(question.topic for question in bank.questions)
    assert min(per_topic.values()) >= 4, per_topic  # several per topic


@pytest.mark.parametrize("question_id, words", [
    ("remedies-squared-norm", "np.sum(g * g)"),       # 004: the squared norm in clipping
    ("vanishing-below-zero", "< 0"),                    # 000: "< 0" for "< 1"
    ("gates-sigmoid-candidate", "sigmoid(a_g)"),        # 002: sigmoid candidate
    ("gates-sigmoid-output", "o * sigmoid(c_next)"),    # 002: h = o * sigma(s)
    ("gru-output-gate", "output gate"),                 # 002: reset gate called output gate
    ("gru-cho-attribution", "Cho et al."),              # 004: the (1 - z) form credited to Cho
    ("lstm-set-f-higher", "raise f_t"),                 # 000/001: "we can always set f higher"
])
def test_the_errors_of_the_sources_are_wrong_line_questions(bank, question_id, words):
    question = bank.question(question_id)
    assert question.kind == "wrong-line" and words in question.code


def test_gru_convention_questions_name_the_library_form(bank):
    text = " ".join(q.prompt + q.explanation + " ".join(q.choices) for q in bank.questions
                    if q.topic == "gru")
    assert "z * h_prev + (1 - z)" in text and "PyTorch" in text


# --- answers --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind, choices, written, expected", [
    ("single", ("x", "y", "z"), "b", 1),
    ("single", ("x", "y", "z"), "B", 1),
    ("single", ("x", "y", "z"), 3, 2),
    ("single", ("x", "y", "z"), "(c)", 2),
    ("multiple", ("x", "y", "z"), ["a", "c"], frozenset({0, 2})),
    ("multiple", ("x", "y", "z"), "c, a", frozenset({0, 2})),
    ("multiple", ("x", "y", "z"), "ac", frozenset({0, 2})),
    ("multiple", ("x", "y", "z"), [1, 2], frozenset({0, 1})),
    ("truefalse", (), True, True),
    ("truefalse", (), "no", False),
    ("numeric", (), "1/4", 0.25),
    ("numeric", (), 2480, 2480.0),
    ("numeric", (), " 2.5e-1 ", 0.25),
])
def test_parse_answer(kind, choices, written, expected):
    assert parse_answer(kind, choices, written) == expected


@pytest.mark.parametrize("kind, written, message", [
    ("single", "d", "out of range; expected a-c or 1-3"),
    ("single", 0, "out of range"),
    ("single", "maybe", "is not a choice"),
    ("single", True, "expected a choice"),
    ("multiple", [], "expected a list"),
    ("multiple", ["a", "a"], "listed twice"),
    ("truefalse", "perhaps", "expected true or false"),
    ("numeric", "lots", "is not a number"),
    ("numeric", "1/0", "is not a number"),
    ("numeric", float("nan"), "finite"),
    ("numeric", True, "expected a number"),
])
def test_unreadable_answers(kind, written, message):
    choices = ("x", "y", "z") if kind in ("single", "multiple") else ()
    with pytest.raises(AnswerError, match=message):
        parse_answer(kind, choices, written)


def numeric_bank(tmp_path, answer=0.25, tolerance=0.005):
    path = tmp_path / "bank.toml"
    path.write_text(f"""
[[question]]
id = "num"
section = "x.y"
kind = "numeric"
difficulty = "easy"
prompt = "A number?"
answer = {answer}
tolerance = {tolerance}
explanation = "Because."
""", encoding="utf-8")
    plain = quizbank.load(path)
    locked_path = tmp_path / "locked.toml"
    locked_path.write_text(quizbank.locked_text(plain), encoding="utf-8")
    return plain, quizbank.load(locked_path)


@pytest.mark.parametrize("value, right", [
    (0.25, True), (0.2549, True), (0.2451, True), (0.255, True), (0.2552, False),
    (0.24, False), (-0.25, False), (1e300, False),
])
def test_numeric_tolerance_is_the_same_plain_and_locked(tmp_path, value, right):
    plain, locked = numeric_bank(tmp_path)
    question = plain.questions[0]
    assert plain.is_correct(question, value) is right
    assert locked.is_correct(locked.questions[0], value) is right


# --- locking --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def locked(bank, tmp_path_factory):
    path = tmp_path_factory.mktemp("locked") / "bank.toml"
    path.write_text(quizbank.locked_text(bank), encoding="utf-8")
    return quizbank.load(path)


def test_locked_copy_holds_no_plain_answer_or_explanation(bank, locked):
    text = locked.path.read_text(encoding="utf-8")
    data = tomllib.loads(text)
    assert "salt" in data["lock"]
    for entry in data["question"]:
        assert "answer" not in entry and "explanation" not in entry
        assert len(entry["answer_hash"]) == 64
    for question in bank.questions:
        assert question.explanation not in text
    assert locked.locked and not bank.locked


def test_locked_copy_grades_exactly_like_the_plain_bank(bank, locked):
    key = quiz.answer_key(bank, list(bank.questions))
    wrong = dict(key)
    for question in bank.questions[::3]:  # a wrong answer to every third question
        wrong[question.id] = _wrong_answer(question)
    for answers in (key, wrong, {}):
        plain_result = quiz.grade_answers(bank, answers)
        locked_result = quiz.grade_answers(locked, answers)
        assert [e.correct for e in plain_result.questions] == \
               [e.correct for e in locked_result.questions]
        assert plain_result.score == locked_result.score
    assert quiz.grade_answers(locked, key).score == len(bank.questions)
    assert quiz.grade_answers(locked, wrong).score == len(bank.questions) - \
        len(bank.questions[::3])


def _wrong_answer(question):
    if question.kind in ("single", "wrong-line"):
        return quizbank.letter_of((question.answer + 1) % len(question.choices))
    if question.kind == "multiple":
        every = set(range(len(question.choices)))
        other = every - question.answer or every - {0}
        return [quizbank.letter_of(i) for i in sorted(other)]
    if question.kind == "truefalse":
        return not question.answer
    return question.answer + 3 * question.tolerance


def test_locked_copy_keeps_explanations_and_finds_the_right_choice(bank, locked):
    for plain, hidden in zip(bank.questions, locked.questions):
        assert hidden.explanation == plain.explanation
        if plain.kind != "numeric":
            assert locked.correct_response(hidden) == plain.answer
        else:
            assert locked.correct_response(hidden) is None


def test_a_locked_bank_has_no_key_and_cannot_be_locked_again(locked):
    with pytest.raises(CourseError, match="locked, so it holds no answer key"):
        quiz.answer_key(locked, list(locked.questions))
    with pytest.raises(CourseError, match="already locked"):
        quizbank.locked_text(locked)


def test_two_locks_use_different_salts(bank):
    assert quizbank.locked_text(bank) != quizbank.locked_text(bank)


def test_seal_round_trip_and_wrong_salt():
    sealed = quizbank.seal("ab" * 16, "q", "Sigmoid' peaks at 0.25 — über café")
    assert quizbank.unseal("ab" * 16, "q", sealed) == "Sigmoid' peaks at 0.25 — über café"
    assert quizbank.unseal("cd" * 16, "q", sealed) != "Sigmoid' peaks at 0.25 — über café"


# --- malformed banks ------------------------------------------------------------------------

GOOD = """
[[question]]
id = "q-one"
section = "lstm.gates"
kind = "single"
difficulty = "easy"
prompt = "Which?"
choices = ["x", "y"]
answer = "a"
explanation = "Because."
"""


@pytest.mark.parametrize("text, expected", [
    ("[[question]\n", "not valid TOML"),
    ("title = 'x'\n" + GOOD, "unknown top-level key 'title'"),
    ("", "expected [[question]] tables"),
    (GOOD + GOOD, "question id 'q-one' appears twice"),
    (GOOD.replace('id = "q-one"', 'id = "Q one"'), "key 'id': use lowercase"),
    (GOOD.replace('"lstm.gates"', '"lstm"'), "question 'q-one' key 'section': expected a notes"),
    (GOOD.replace('"lstm.gates"', '"lstm.nowhere"'), "key 'section': no notes section"),
    (GOOD.replace('"single"', '"essay"'), "key 'kind': expected one of"),
    (GOOD.replace('"easy"', '"trivial"'), "key 'difficulty': expected one of"),
    (GOOD.replace('answer = "a"', 'answer = "c"'), "key 'answer': 'c' is out of range"),
    (GOOD.replace('answer = "a"\n', ""), "key 'answer': missing"),
    (GOOD.replace('["x", "y"]', '["x"]'), "key 'choices': expected 2 to 8"),
    (GOOD.replace('["x", "y"]', '["x", " X "]'), "key 'choices': two choices are the same"),
    (GOOD.replace('explanation = "Because."', 'explanation = " "'),
     "key 'explanation': expected a non-empty string"),
    (GOOD.replace('prompt = "Which?"', 'promt = "Which?"'), "key 'promt': unknown key"),
    (GOOD.replace('kind = "single"', 'kind = "wrong-line"'), "key 'code': expected a non-empty"),
    (GOOD.replace('kind = "single"', 'kind = "truefalse"'), "key 'choices': not used by"),
    (GOOD.replace('choices = ["x", "y"]\nanswer = "a"', 'answer = 1.0')
     .replace('"single"', '"numeric"'), "key 'tolerance': expected a positive number"),
    (GOOD.replace('answer = "a"', 'answer = "a"\ntolerance = 0.1'),
     "key 'tolerance': only numeric questions"),
    (GOOD.replace('answer = "a"', 'answer_hash = "ab"'), "key 'answer_hash': not allowed"),
    ("[lock]\nversion = 1\nsalt = 'short'\n" + GOOD, "[lock] key 'salt'"),
])
def test_malformed_bank_names_file_question_and_key(tmp_path, text, expected, notes):
    path = tmp_path / "bank.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CourseError) as caught:
        quizbank.load(path, set(notes.section_ids))
    message = str(caught.value)
    assert message.startswith(str(path)) and expected in message and "\n" not in message


def test_missing_bank(tmp_path):
    with pytest.raises(CourseError, match="quiz bank not found"):
        quizbank.load(tmp_path / "nope.toml")


def test_tampered_locked_bank_is_refused(tmp_path, bank):
    path = tmp_path / "locked.toml"
    text = quizbank.locked_text(bank, salt="0" * 32)
    path.write_text(text.replace('salt = "' + "0" * 32, 'salt = "' + "1" * 32), encoding="utf-8")
    with pytest.raises(CourseError, match="explanation_sealed': cannot be unsealed"):
        quizbank.load(path)


# --- the [quiz] table of course.toml --------------------------------------------------------

REAL = (ROOT / "course.toml").read_text(encoding="utf-8")
QUIZ_TABLE = 'bank = "quiz/bank.toml"'


@pytest.mark.parametrize("replacement, expected", [
    ('bank = "../bank.toml"', "[quiz] key 'bank': expected a .toml file inside the course"),
    ('bank = "/tmp/bank.toml"', "[quiz] key 'bank': expected a .toml file inside the course"),
    ('bank = "quiz/bank.json"', "[quiz] key 'bank': expected a .toml file"),
    ("bank = 3", "[quiz] key 'bank': expected a non-empty string"),
    (QUIZ_TABLE + "\nshuffle = true", "[quiz] key 'shuffle': unknown setting"),
])
def test_malformed_quiz_table(tmp_path, replacement, expected):
    from rnncourse.course import manifest as course_module

    assert QUIZ_TABLE in REAL
    (tmp_path / "course.toml").write_text(REAL.replace(QUIZ_TABLE, replacement), "utf-8")
    with pytest.raises(CourseError) as caught:
        course_module.load(tmp_path)
    assert str(caught.value).startswith(str(tmp_path / "course.toml"))
    assert expected in str(caught.value)


def test_a_course_without_a_quiz_says_so(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from rnncourse.cli.main import cli

    text = re.sub(r"\[quiz\]\n(?:.*\n)*?\n(?=\[)", "", REAL)
    assert "[quiz]" not in text and "quiz/bank.toml" not in text
    (tmp_path / "course.toml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("RNNCOURSE_HOME", str(tmp_path))
    shutil.copytree(ROOT / "notes", tmp_path / "notes")
    result = CliRunner().invoke(cli, ["quiz", "--list"])
    assert result.exit_code == 2
    assert "no [quiz] table, so this course has no quiz" in result.stderr
    status = CliRunner().invoke(cli, ["status"])
    assert status.exit_code == 0 and "Quiz" not in status.stdout
