"""How a submission's files are read (grading/matching.py): the folder, loose
names, what is not guessed, and what the student and instructor are told."""

import pytest
from helpers.classroom import add_folder, add_zip

from rnncourse.grading import matching, quizzes, submissions
from rnncourse.grading.matching import Expected

WANTED = Expected(("activations.py", "clipping.py", "rnn.py", "lstm.py", "gru.py",
                   "lstm_variants.py"), quizzes.ANSWER_FILES)


def taken(names):
    layout = matching.match(names, WANTED)
    return {item.target: item.source for item in layout.taken}, layout


def test_the_plain_layout_gives_no_note():
    found, layout = taken(["activations.py", "rnn.py", "quiz_answers.toml", "helpers/util.py"])
    assert found == {"activations.py": "activations.py", "rnn.py": "rnn.py",
                     "quiz_answers.toml": "quiz_answers.toml"}
    assert layout.notes == () and not layout.flagged and layout.found


@pytest.mark.parametrize("name, target", [
    ("RNN.py", "rnn.py"), ("rnn (1).py", "rnn.py"), ("rnn(2).py", "rnn.py"),
    ("rnn-copy.py", "rnn.py"), ("rnn copy.py", "rnn.py"), ("rnn - Copy.py", "rnn.py"),
    ("rnn copy 2.py", "rnn.py"), ("rnn_final.py", "rnn.py"), ("Copy of rnn.py", "rnn.py"),
    ("rnn-1.py", "rnn.py"), ("LSTM_final (1).PY", "lstm.py"),
    ("lstm-variants.py", "lstm_variants.py"), ("LSTM Variants.py", "lstm_variants.py"),
])
def test_a_loose_name_is_taken_and_said(name, target):
    found, layout = taken([name])
    assert found == {target: name}
    assert layout.notes == (f"took {name!r} as {target}",)


@pytest.mark.parametrize("name", ["lstm_variants.py", "rnn_cell.py", "birnn.py", "rnn.txt",
                                  "myrnn.py", "rnn.py.txt"])
def test_other_names_are_not_taken_for_an_exercise(name):
    found, _ = taken([name, "activations.py"])
    assert "rnn.py" not in found and "lstm.py" not in found


def test_the_exact_name_wins_and_the_copy_is_named():
    found, layout = taken(["rnn.py", "rnn (1).py"])
    assert found == {"rnn.py": "rnn.py"}
    assert layout.notes == ("not graded: 'rnn (1).py' (rnn.py was graded)",)


def test_two_loose_candidates_are_not_guessed():
    found, layout = taken(["rnn (1).py", "RNN.py", "lstm.py"])
    assert found == {"lstm.py": "lstm.py"}
    assert layout.ambiguous == ("rnn.py",)
    assert layout.notes == ("'RNN.py' and 'rnn (1).py' could each be rnn.py: neither was "
                            "graded (rename the one you mean to rnn.py)",)


@pytest.mark.parametrize("names, root", [
    (["hw3/rnn.py", "hw3/lstm.py", "hw3/notes.txt"], "hw3"),
    (["a/b/c/rnn.py"], "a/b/c"),
    (["rnncourse/exercises/rnn.py", "rnncourse/exercises/lstm.py", "rnncourse/README.md",
      "rnncourse/grader/rnncourse/checks/rnn.py", "rnncourse/grader/rnncourse/checks/gru.py"],
     "rnncourse/exercises"),
    (["deep/er/Exercises/rnn.py", "deep/checks/lstm.py"], "deep/er/Exercises"),
])
def test_a_wrapping_or_an_exercises_folder_is_found(names, root):
    found, layout = taken(names)
    assert layout.root == root and found["rnn.py"] == f"{root}/rnn.py"
    assert f"the exercise files were read from the folder {root + '/'!r}" in layout.notes
    assert all(source.startswith(root + "/") for target, source in found.items()
               if target.endswith(".py"))


def test_two_candidate_folders_are_not_guessed():
    found, layout = taken(["v1/rnn.py", "v2/rnn.py", "quiz_answers.toml"])
    assert found == {"quiz_answers.toml": "quiz_answers.toml"} and not layout.found
    assert layout.notes[0].startswith("exercise files were found in 2 folders ('v1/', 'v2/'); "
                                      "none was graded")
    assert layout.notes[1] == "not graded: 'v1/rnn.py', 'v2/rnn.py'"


def test_two_exercises_folders_are_not_guessed_but_one_beats_other_folders():
    assert not taken(["a/exercises/rnn.py", "b/exercises/rnn.py"])[1].found
    found, _ = taken(["a/exercises/rnn.py", "a/grader/checks/rnn.py"])
    assert found["rnn.py"] == "a/exercises/rnn.py"


def test_nothing_recognisable_lists_the_python_files_with_a_did_you_mean():
    found, layout = taken(["activation.py", "Clip.py", "helper.py", "README.md"])
    assert found == {} and not layout.found
    assert layout.notes == (
        "no exercise file was found (grading reads activations.py, clipping.py, rnn.py, "
        "lstm.py, gru.py, lstm_variants.py)",
        "not graded: 'Clip.py' (did you mean clipping.py?), 'activation.py' (did you mean "
        "activations.py?), 'helper.py'")


def test_the_list_of_strays_is_bounded():
    names = [f"part{number}.py" for number in range(30)] + ["rnn.py"]
    note = taken(names)[1].notes[-1]
    assert note.startswith("not graded: ") and note.endswith(" and 20 more")


@pytest.mark.parametrize("names, source", [
    (["rnn.py", "Quiz_Answers (2).toml"], "Quiz_Answers (2).toml"),
    (["rnn.py", "quiz-answers.json"], "quiz-answers.json"),
    (["course/exercises/rnn.py", "course/quiz_answers.toml"], "course/quiz_answers.toml"),
    (["hw/rnn.py", "hw/quiz_answers.toml", "quiz_answers.toml"], "hw/quiz_answers.toml"),
])
def test_the_quiz_answers_are_found_beside_the_exercises(names, source):
    found, layout = taken(names)
    target = "quiz_answers.json" if source.endswith(".json") else "quiz_answers.toml"
    assert found[target] == source


def test_answers_taken_from_beside_an_exercises_folder_are_said():
    _, layout = taken(["course/exercises/rnn.py", "course/quiz_answers.toml"])
    assert layout.notes == ("the exercise files were read from the folder 'course/exercises/'",
                            "read quiz_answers.toml from 'course/quiz_answers.toml'")


def test_an_answers_file_by_another_name_is_named_not_taken():
    found, layout = taken(["rnn.py", "answers.toml", matching.MANIFEST])
    assert "quiz_answers.toml" not in found
    assert layout.notes == ("not read as quiz answers: 'answers.toml' (grading reads "
                            "quiz_answers.toml)",)


def test_names_in_notes_are_made_safe():
    _, layout = taken(["\x1b]8;;http://x\x07rnn.py", "a\u202eb.py", "bad\udcff.py"])
    text = " ".join(layout.notes)
    assert "\x1b" not in text and "\u202e" not in text and "\udcff" not in text
    assert "\\x1b" in text and "\\u202e" in text and "\\xff" in text


def test_the_copy_holds_the_graded_files_under_their_names(tmp_path):
    source = add_zip(tmp_path, "amy", {"work/RNN (1).py": "R = 1\n", "work/helper.py": "H\n",
                                       "work/lstm.py": "L\n", "other/x.py": "X\n",
                                       "quiz_answers.json": "{}"})
    copy = tmp_path / "copy"
    copy.mkdir()
    submissions.materialize(source, copy, WANTED)
    written = {str(p.relative_to(copy)): p.read_text() for p in copy.rglob("*") if p.is_file()}
    assert written == {"rnn.py": "R = 1\n", "helper.py": "H\n", "lstm.py": "L\n",
                       "quiz_answers.json": "{}"}


def test_the_hash_covers_the_layout(tmp_path, monkeypatch):
    """The same bytes read another way (another rule, another course) grade again."""
    folder = add_folder(tmp_path, "amy", {"RNN.py": "R = 1\n"})
    before = submissions.content_hash(folder, WANTED)
    assert submissions.content_hash(folder, Expected(("lstm.py",))) != before
    scan = submissions.scan(tmp_path, WANTED)
    assert scan.submissions[0].content_hash == before
    assert scan.submissions[0].layout.notes == ("took 'RNN.py' as rnn.py",)
    copy = tmp_path.parent / "copy"
    copy.mkdir()
    assert submissions.materialize(folder, copy, WANTED) == before
