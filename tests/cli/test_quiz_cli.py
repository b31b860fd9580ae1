"""`rnncourse quiz` end to end through CliRunner: answers files, key, template,
lock, and the interactive quiz with bad input, Ctrl-D and Ctrl-C."""

import builtins
import csv
import json
import shutil

import pytest
from click.testing import CliRunner
from helpers.course import ROOT

from rnncourse.cli import progress as status
from rnncourse.cli.main import cli
from rnncourse.course import notes as notes_module
from rnncourse.quiz import bank as quizbank
from rnncourse.quiz import grading as quiz
from rnncourse.quiz.bank import LETTERS
from rnncourse.quiz.session import plan

TOTAL = len(quizbank.load(ROOT / "quiz" / "bank.toml").questions)


@pytest.fixture
def run(monkeypatch):
    monkeypatch.setenv("RNNCOURSE_HOME", str(ROOT))
    monkeypatch.setenv("COLUMNS", "120")

    def invoke(*args, input=None):
        return CliRunner().invoke(cli, [str(arg) for arg in args], input=input,
                                  catch_exceptions=False)

    return invoke


@pytest.fixture(scope="module")
def bank(course):
    return quiz.load_bank(course)


def one_line_error(result, text):
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and text in lines[0], result.stderr
    assert "Traceback" not in result.output


# --- answers files ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["key.toml", "key.json"])
def test_the_key_graded_as_answers_scores_full_marks(run, tmp_path, name):
    key = tmp_path / name
    assert run("quiz", "--key", key).exit_code == 0
    result = run("quiz", "--answers", key, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["score"] == data["max_score"] == TOTAL and data["passed"] is True
    assert len(data["questions"]) == TOTAL
    for entry in data["questions"]:
        assert {"id", "topic", "section", "correct", "points", "max_points",
                "explanation"} <= set(entry)
        assert entry["correct"] is True and entry["points"] == entry["max_points"] == 1.0
        assert entry["section"].startswith(entry["topic"] + ".") and entry["explanation"]


def test_partly_wrong_answers_get_exactly_the_expected_score(run, tmp_path):
    key_file = tmp_path / "key.toml"
    run("quiz", "--key", key_file)
    answers = quiz.read_answers(key_file)
    answers.update({
        "rnn-wh-shape": "a",                     # wrong choice
        "rnn-bptt-sources": ["a"],               # only part of a select-all answer
        "rnn-shared-weights": True,              # flipped true/false
        "vanishing-sigmoid-peak": 0.3,           # number outside the tolerance
        "lstm-output-slice": "z",                # not a choice at all
        "params-rnn": "",                        # left empty
        "vanishing-tanh-peak": 0.998,            # inside the tolerance: still right
        "remedies-clip-factor": "1/4",           # a fraction: still right
        "lstm-wx-shape": 2,                      # a number for the choice: still right
    })
    del answers["gru-param-count"]               # missing
    partial = tmp_path / "partial.toml"
    quiz.write_answers(partial, answers)
    result = run("quiz", "--answers", partial, "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["max_score"] == TOTAL and data["score"] == TOTAL - 7 and data["passed"] is False
    wrong = {entry["id"]: entry for entry in data["questions"] if not entry["correct"]}
    assert set(wrong) == {"rnn-wh-shape", "rnn-bptt-sources", "rnn-shared-weights",
                          "vanishing-sigmoid-peak", "lstm-output-slice", "params-rnn",
                          "gru-param-count"}
    assert wrong["lstm-output-slice"]["answered"] is True
    assert "'z' is not a choice" in wrong["lstm-output-slice"]["problem"]
    assert wrong["params-rnn"]["answered"] is False and wrong["gru-param-count"]["given"] is None
    assert data["topics"]["rnn"] == {"score": 5.0, "max_score": 8.0, "correct": 5,
                                     "questions": 8}


def test_answers_rich_view_lists_results_and_sections(run, tmp_path):
    answers = tmp_path / "a.toml"
    answers.write_text('lstm-do = "a"\nlstm-dc-prev-without-f = "a"\n', encoding="utf-8")
    result = run("quiz", "lstm.backward", "--answers", answers)
    assert result.exit_code == 1
    out = result.stdout
    assert "lstm-do" in out and "✓ right" in out and "✗ wrong" in out and "· unanswered" in out
    assert "Score 1 / 4" in out and "rnncourse notes lstm.backward" in out


def test_topics_restrict_what_is_graded(run, tmp_path, bank):
    key = tmp_path / "key.json"
    run("quiz", "--key", key)
    data = json.loads(run("quiz", "lstm", "gru.backward", "--answers", key, "--json").stdout)
    expected = [q for q in bank.questions if q.topic == "lstm" or q.section == "gru.backward"]
    assert data["max_score"] == len(expected) == data["score"]


def test_an_unknown_question_id_costs_only_itself(run, tmp_path, bank):
    """A typo in one id is reported with the id meant, and the rest of the file is
    graded as usual; the exit code says that not everything was right."""
    key = tmp_path / "key.json"
    run("quiz", "lstm.equations", "--key", key)
    answers = json.loads(key.read_text(encoding="utf-8"))
    answers["lstm-output-slise"] = answers.pop("lstm-output-slice")
    path = tmp_path / "a.json"
    path.write_text(json.dumps(answers), encoding="utf-8")
    result = run("quiz", "lstm.equations", "--answers", path, "--json")
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert data["max_score"] == len(answers) and data["score"] == len(answers) - 1
    assert data["unknown"] == [{"id": "lstm-output-slise", "did_you_mean": "lstm-output-slice"}]
    text = run("quiz", "lstm.equations", "--answers", path).stdout
    assert ("1 unknown question id, not graded: 'lstm-output-slise' (did you mean "
            "'lstm-output-slice'?)") in " ".join(text.split())


@pytest.mark.parametrize("name, text, expected", [
    ("a.txt", "x = 1", "must end in .toml or .json"),
    ("a.toml", "lstm-do = ", "not valid TOML"),
    ("a.json", "{lstm-do: 1}", "not valid JSON"),
    ("a.json", "[1, 2]", "expected a mapping of question ids"),
    ("a.toml", "lstm.do = 'a'", "key 'lstm': expected an answer"),
    ("a.json", '{"lstm-do": {"a": 1}}', "key 'lstm-do': expected an answer"),
])
def test_bad_answers_files(run, tmp_path, name, text, expected):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    one_line_error(run("quiz", "--answers", path), expected)


def test_missing_answers_file(run, tmp_path):
    one_line_error(run("quiz", "--answers", tmp_path / "none.toml"), "answers file not found")


# --- list, key, template, lock ---------------------------------------------------------------


def test_list_shows_topics_with_counts(run, bank):
    data = json.loads(run("quiz", "--list", "--json").stdout)
    notes = notes_module.load(ROOT / "notes")
    assert [row["id"] for row in data["topics"]] == notes.topic_ids
    assert sum(row["questions"] for row in data["topics"]) == data["total"] == TOTAL
    lstm = next(row for row in data["topics"] if row["id"] == "lstm")
    assert lstm["questions"] == sum(q.topic == "lstm" for q in bank.questions)
    assert sum(lstm["difficulty"].values()) == sum(lstm["kinds"].values()) == lstm["questions"]
    text = run("quiz", "--list").stdout
    assert "The LSTM" in text and f"{TOTAL} questions" in text


def test_key_and_template_refuse_to_overwrite_without_force(run, tmp_path):
    target = tmp_path / "answers.toml"
    target.write_text("# my work\n", encoding="utf-8")
    for option in ("--key", "--template"):
        one_line_error(run("quiz", option, target), "already exists; add --force")
        assert target.read_text(encoding="utf-8") == "# my work\n"
    assert run("quiz", "--key", target, "--force").exit_code == 0
    assert quiz.read_answers(target)["lstm-output-slice"] == "c"


def test_template_filled_in_by_hand(run, tmp_path, bank):
    template = tmp_path / "mine.toml"
    assert run("quiz", "lstm.equations", "--template", template).exit_code == 0
    text = template.read_text(encoding="utf-8")
    assert 'lstm-output-slice = ""' in text and "#   c) a[:, 2*H:3*H]" in text
    assert quiz.grade_answers(bank, quiz.read_answers(template)).score == 0
    text = text.replace('lstm-output-slice = ""', 'lstm-output-slice = "c"')
    text = text.replace('lstm-wx-shape = ""', "lstm-wx-shape = 1")  # wrong: that is (10, 20)
    template.write_text(text, encoding="utf-8")
    data = json.loads(run("quiz", "lstm.equations", "--answers", template, "--json").stdout)
    assert data["score"] == 1 and data["max_score"] == 4


def test_template_must_be_toml(run, tmp_path):
    assert run("quiz", "--template", tmp_path / "t.json").exit_code == 2


@pytest.fixture
def student_course(tmp_path, run, monkeypatch):
    """A copy of the course whose bank is the locked one, as students receive it."""
    home = tmp_path / "student"
    home.mkdir()
    shutil.copy(ROOT / "course.toml", home / "course.toml")
    shutil.copytree(ROOT / "notes", home / "notes")
    (home / "quiz").mkdir()
    result = run("quiz", "--lock", home / "quiz" / "bank.toml")
    assert result.exit_code == 0 and "wrote" in result.stdout
    monkeypatch.setenv("RNNCOURSE_HOME", str(home))
    return home


def test_a_student_course_with_the_locked_bank_grades_the_same(run, tmp_path, student_course):
    key = tmp_path / "key.toml"
    CliRunner().invoke(cli, ["quiz", "--key", str(key)], env={"RNNCOURSE_HOME": str(ROOT)})
    bank_text = (student_course / "quiz" / "bank.toml").read_text(encoding="utf-8")
    assert "answer_hash" in bank_text and "\nanswer = " not in bank_text
    result = run("quiz", "--answers", key, "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["score"] == TOTAL
    one_line_error(run("quiz", "--key", tmp_path / "k2.toml"), "locked, so it holds no answer key")
    assert not (tmp_path / "k2.toml").exists()
    assert json.loads(run("quiz", "--list", "--json").stdout)["locked"] is True


def test_the_locked_quiz_still_shows_the_right_choice(run, student_course):
    result = run("quiz", "lstm.gates", "-n", "1", "--seed", "1", input="?\n")
    assert "✗ Not quite. The answer:" in result.stdout


def test_lock_never_overwrites_the_bank_it_reads(run):
    one_line_error(run("quiz", "--lock", ROOT / "quiz" / "bank.toml", "--force"),
                   "would overwrite the bank it reads")


@pytest.mark.parametrize("args, expected", [
    (["--answers", "a.toml", "--key", "k.toml"], "use one of --answers, --key at a time"),
    (["--json"], "--json goes with --answers or --list"),
    (["--list", "-n", "3"], "-n and --seed only apply to an interactive quiz"),
    (["--force"], "--force goes with --key"),
    (["-n", "0"], "0 is not in the range"),
    (["--lock", "x.toml", "lstm"], "--lock locks the whole bank"),
    (["lsmt"], "unknown topic or section 'lsmt'; did you mean lstm"),
])
def test_usage_errors(run, args, expected):
    result = run("quiz", *args)
    assert result.exit_code == 2 and expected in result.stderr
    assert "Traceback" not in result.output


# --- the interactive quiz -----------------------------------------------------------------------


def session_plan(bank, topics, count, seed):
    notes = notes_module.load(ROOT / "notes")
    return plan(quiz.select(bank, notes, topics), count, seed)


def typed(asked, right=True):
    """What a student would type to answer ``asked`` right (or wrong)."""
    question = asked.question
    if question.kind == "numeric":
        return str(question.answer if right else question.answer + 10 * question.tolerance)
    if question.kind == "truefalse":
        return "t" if question.answer == right else "f"
    if question.kind == "multiple":
        places = sorted(asked.place_of(index) for index in question.answer)
        if not right:
            places = list(range(len(question.choices)))  # every choice: never the answer here
        return " ".join(LETTERS[place] for place in places)
    place = asked.place_of(question.answer)
    return str(place + 1) if right else LETTERS[(place + 1) % len(question.choices)]


def test_interactive_quiz_with_bad_input(run, bank):
    def suitable(asked):  # opens with a choice question, has a numeric one
        return (asked[0].question.kind in ("single", "wrong-line")
                and any(item.question.kind == "numeric" for item in asked))

    seed = next(s for s in range(200) if suitable(session_plan(bank, ("remedies",), 5, s)))
    asked = session_plan(bank, ("remedies",), 5, seed)
    count = len(asked[0].question.choices)
    lines = ["", "9", "zz"]  # empty, out of range, not a choice: asked again each time
    numeric_seen = False
    for number, item in enumerate(asked):
        if item.question.kind == "numeric" and not numeric_seen:
            lines += ["not a number", ""]
            numeric_seen = True
        lines.append(typed(item, right=number != len(asked) - 1))
    result = run("quiz", "remedies", "-n", "5", "--seed", seed,
                 input="\n".join(lines) + "\n")
    out = result.stdout
    assert result.exit_code == 1, out
    assert "Traceback" not in result.output
    assert out.count("Type an answer (or ? to see it, Ctrl-D to stop).") == 2
    assert f"'9' is out of range; expected a-{LETTERS[count - 1]} or 1-{count}" in out
    assert f"'zz' is not a choice; expected a-{LETTERS[count - 1]} or 1-{count}" in out
    assert "'not a number' is not a number" in out
    assert out.count("✓ Right.") == 4 and out.count("✗ Not quite.") == 1
    assert "Score 4 / 5" in out
    assert f"Read again: rnncourse notes {asked[-1].question.section}" in out
    for item in asked:
        assert f"Read: rnncourse notes {item.question.section}" in out
        assert item.question.explanation[:40] in " ".join(out.split())


def test_all_right_exits_0_and_choices_are_shown_shuffled(run, bank):
    asked = session_plan(bank, ("lstm",), 6, 5)
    result = run("quiz", "lstm", "-n", "6", "--seed", "5",
                 input="\n".join(typed(item) for item in asked) + "\n")
    assert result.exit_code == 0, result.stdout
    assert "Score 6 / 6" in result.stdout and "All right." in result.stdout
    out = result.stdout
    for item in asked:  # the options appear in the shuffled order of this run
        positions = [out.index(f"{LETTERS[place]}) {text}")
                     for place, text in enumerate(item.shown)
                     if item.question.kind != "truefalse"]
        assert positions == sorted(positions)
    orders = {session_plan(bank, ("lstm",), 19, seed)[0].order for seed in range(12)}
    assert len(orders) > 1, "choices are not shuffled between runs"


def test_same_seed_same_quiz(run):
    first = run("quiz", "gru", "-n", "3", "--seed", "42", input="")
    second = run("quiz", "gru", "-n", "3", "--seed", "42", input="")
    assert first.stdout == second.stdout and "--seed 42 repeats it" in first.stdout


def test_question_mark_shows_the_answer_and_counts_wrong(run, bank):
    [asked] = session_plan(bank, ("gru.parameters",), 1, 3)
    result = run("quiz", "gru.parameters", "-n", "1", "--seed", "3", input="?\n")
    assert "✗ Not quite. The answer:" in result.stdout and "Score 0 / 1" in result.stdout
    assert asked.question.explanation[:30] in " ".join(result.stdout.split())


def test_ctrl_d_stops_and_scores_what_was_answered(run, bank, tmp_path):
    asked = session_plan(bank, ("vanishing",), 5, 2)
    result = run("quiz", "vanishing", "-n", "5", "--seed", "2",
                 input=typed(asked[0]) + "\n" + typed(asked[1], right=False) + "\n")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "Quiz stopped." in result.stdout
    assert "Score 1 / 2 (2 of 5 questions answered)" in result.stdout
    data, problem = status.load(ROOT)
    assert problem is None
    assert data["quiz"]["questions"][asked[0].question.id]["correct"] is True
    assert data["quiz"]["questions"][asked[1].question.id]["correct"] is False
    session = data["quiz"]["sessions"][-1]
    assert session["finished"] is False and session["questions"] == 2 and session["asked"] == 5


def test_ctrl_c_stops_cleanly_and_keeps_the_answers(run, bank, monkeypatch):
    asked = session_plan(bank, ("gru",), 4, 9)
    replies = iter([typed(asked[0]), "", typed(asked[1])])

    def keyboard(prompt=""):
        try:
            return next(replies)
        except StopIteration:
            raise KeyboardInterrupt from None

    monkeypatch.setattr(builtins, "input", keyboard)
    result = run("quiz", "gru", "-n", "4", "--seed", "9")
    assert result.exit_code == 130
    assert "Traceback" not in result.output and "Interrupted." in result.stdout
    assert "Score 2 / 2 (2 of 4 questions answered)" in result.stdout
    recorded = status.load(ROOT)[0]["quiz"]["questions"]
    assert set(recorded) == {asked[0].question.id, asked[1].question.id}


def test_status_shows_quiz_scores_per_topic(run, bank, tmp_path):
    key = tmp_path / "key.json"
    run("quiz", "--key", key)
    answers = json.loads(key.read_text(encoding="utf-8"))
    lstm_ids = [q.id for q in bank.questions if q.topic == "lstm"]
    partial = {qid: answers[qid] for qid in lstm_ids}
    partial[lstm_ids[0]] = "h" if isinstance(partial[lstm_ids[0]], str) else not partial[
        lstm_ids[0]]
    (tmp_path / "p.json").write_text(json.dumps(partial), encoding="utf-8")
    run("quiz", "--answers", tmp_path / "p.json")
    report = json.loads(run("status", "--json").stdout)
    rows = {row["id"]: row for row in report["quiz"]}
    assert rows["lstm"] == {"id": "lstm", "title": "The LSTM", "questions": len(lstm_ids),
                            "answered": len(lstm_ids), "right": len(lstm_ids) - 1}
    assert rows["gru"]["answered"] == 0
    assert report["last_quiz"]["mode"] == "answers"
    text = run("status").stdout
    assert f"{len(lstm_ids) - 1} / {len(lstm_ids)}" in text and "Next: rnncourse" in text


def test_the_student_guide_example_answers_grade_as_documented(bank, tmp_path):
    guide = (ROOT / "docs" / "student-guide.md").read_text(encoding="utf-8")
    section = guide[guide.index("An answers file maps question ids"):]
    toml_example = section.split("```toml\n", 1)[1].split("```", 1)[0]
    json_example = section.split("```json\n", 1)[1].split("```", 1)[0]
    for name, text in (("a.toml", toml_example), ("a.json", json_example)):
        (tmp_path / name).write_text(text, encoding="utf-8")
        answers = quiz.read_answers(tmp_path / name)
        result = quiz.grade_answers(bank, answers)
        answered = [entry for entry in result.questions if entry.answered]
        # the guide ships to students: it shows the format, and says its answers are
        # not the right ones (the release's audit would refuse right ones)
        assert "they are not the right ones" in section
        assert len(answered) == 4 and not any(entry.correct for entry in answered), name


# --- --export: the progress store as an answers file ------------------------------------


def test_export_round_trips_through_answers_and_grade(run, bank, tmp_path, course):
    """Answers given interactively (right, wrong, a give-up) and from a file, exported:
    `quiz --answers` on the export gives each question the right or wrong the store
    holds, and `rnncourse grade` scores it the same."""
    asked = session_plan(bank, ("lstm",), 5, 7)
    replies = [typed(asked[0]), typed(asked[1], right=False), "?", typed(asked[3]),
               typed(asked[4])]
    assert run("quiz", "lstm", "-n", "5", "--seed", "7",
               input="\n".join(replies) + "\n").exit_code == 1
    gru = [q for q in bank.questions if q.topic == "gru"][:3]
    key = quiz.answer_key(bank, gru)
    (tmp_path / "some.json").write_text(json.dumps(key), encoding="utf-8")
    run("quiz", "--answers", tmp_path / "some.json")
    export = tmp_path / "hand-in" / "quiz_answers.toml"  # its folder is made
    result = run("quiz", "--export", export)
    assert result.exit_code == 0, result.output
    assert "7 of" in result.stdout and "(6 of them right)" in result.stdout
    recorded = status.load(ROOT)[0]["quiz"]["questions"]
    exported = quiz.read_answers(export)
    gave_up = asked[2].question.id
    assert gave_up not in exported and recorded[gave_up]["given"] is None
    assert set(exported) == {q.id for q in [*[a.question for a in asked], *gru]} - {gave_up}
    graded = json.loads(run("quiz", "--answers", export, "--json").stdout)
    verdicts = {e["id"]: e["correct"] for e in graded["questions"] if e["answered"]}
    assert verdicts == {qid: recorded[qid]["correct"] for qid in exported}
    assert graded["score"] == 6

    from helpers.classroom import grade, gradebook_rows

    subs = tmp_path / "subs"
    (subs / "amy").mkdir(parents=True)
    (subs / "amy" / "quiz_answers.toml").write_bytes(export.read_bytes())
    done = grade(ROOT, subs, tmp_path / "out")
    assert done.returncode == 0, done.stdout + done.stderr
    with open(tmp_path / "out" / "grades.csv", newline="") as file:
        row = next(csv.DictReader(file))
    assert float(row["quiz"]) == round(course.quiz.points * 6 / TOTAL, 2)
    detail = json.loads(__import__("sqlite3").connect(tmp_path / "out" / "gradebook.sqlite")
                        .execute("SELECT quiz FROM gradings").fetchone()[0])["detail"]
    assert {e["id"]: e["correct"] for e in detail["questions"] if e["answered"]} == verdicts
    assert gradebook_rows(tmp_path / "out")["amy"]["status"] == "graded"


def test_export_without_answers_and_over_a_file(run, tmp_path):
    result = run("quiz", "--export", tmp_path / "q.toml")
    assert result.exit_code == 1 and "no answers recorded yet" in result.stderr
    assert not (tmp_path / "q.toml").exists()
    status.record_answer(ROOT, "lstm-output-slice", "lstm", True, "c")
    (tmp_path / "q.toml").write_text("# mine\n", encoding="utf-8")
    one_line_error(run("quiz", "--export", tmp_path / "q.toml"), "already exists")
    assert run("quiz", "--export", tmp_path / "q.toml", "--force").exit_code == 0
    assert quiz.read_answers(tmp_path / "q.toml") == {"lstm-output-slice": "c"}


def test_export_says_which_answers_an_old_store_did_not_keep(run, tmp_path):
    status.record_answer(ROOT, "lstm-output-slice", "lstm", True, "c")
    data = status.load(ROOT)[0]
    data["quiz"]["questions"]["gru-no-cell"] = {"topic": "gru", "correct": True, "at": 1}
    status.path(ROOT).write_text(json.dumps(data), encoding="utf-8")
    result = run("quiz", "--export", tmp_path / "q.json")
    assert result.exit_code == 0
    assert "1 question(s) were answered with an older rnncourse" in " ".join(
        result.stdout.split())


def test_lock_into_a_folder_that_does_not_exist_yet(run, tmp_path):
    """The course authors' guide runs `rnncourse quiz --lock dist/bank.toml` in a
    fresh clone, where dist/ is not there."""
    target = tmp_path / "dist" / "bank.toml"
    result = run("quiz", "--lock", target)
    assert result.exit_code == 0, result.output
    assert quizbank.load(target).locked
