"""Students attacking the run itself rather than their score: text that cannot
be stored or shown (lone surrogates, terminal escapes, bidi controls), making
themselves `error` on purpose, smuggling hidden inputs into their feedback,
names and zips that are not what they seem, a scratch disk filled up, and two
runs into one folder.

Each attack is a submission in a class with correct students. Every test
asserts that the run completes with the right exit code, that every other
student is graded with full, unchanged scores, that the attacker earns
nothing its code does not deserve, and that no student text reaches any
export or the terminal except as quoted, inert student output.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

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
)
from helpers.disks import fill, free_bytes, small_filesystem

STUDENT_TIMEOUT = "20"
RNN_CLASS = ("activations", "clipping", "rnn")
# What may never reach an export or the terminal: C0 controls but tab and
# newline, DEL, C1, bidi and other format characters, surrogates.
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069"
                 "\ufeff\ud800-\udfff\U000e0000-\U000e007f]")
LEAK = "LEAKED-INPUTS"


def rnn_class() -> dict[str, str]:
    return {**full_class(), "rnn.py": solution("rnn")}


def every_function_is(exercise_code: str) -> str:
    """activations.py: the solution, then ``exercise_code`` defining ``attack(x)``,
    which all three functions become."""
    return solution("activations", exercise_code + """
        sigmoid = sigmoid_derivative = tanh_derivative = attack
        """)


# A correct activations.py that keeps every input sigmoid is called with.
KEEPS_ITS_INPUTS = solution("activations", """
    _seen = []
    _sigmoid = sigmoid

    def sigmoid(x):
        _seen.append(" ".join(f"{v:.17g}" for v in np.ravel(x)))
        return _sigmoid(x)
    """)
# The text attacks, each the files of one student over a correct rnn_class().
TEXT_ATTACKS = {
    # 1: a lone surrogate in an exception message (the run died with exit 3)
    "surrogate-message": {"activations.py": every_function_is("""
        def attack(x):
            raise ValueError("lone \\ud800 surrogate")
        """)},
    # 1: and in what the code prints
    "surrogate-printed": {"activations.py": every_function_is("""
        def attack(x):
            print("lone \\ud800 surrogate", "\\udcff")
            return np.zeros_like(x)
        """)},
    # 1: a key of quiz_answers.json (JSON may spell a lone surrogate)
    "quiz-key": {"quiz_answers.json": '{"\\ud800": "a", "vanishing-sigmoid-peak": 0.25}'},
    # 1: a value of it
    "quiz-value": {"quiz_answers.json": '{"vanishing-sigmoid-peak": "\\ud800\\u202e",'
                                        ' "vanishing-exploding-signs": ["\\udcff"],'
                                        ' "rnn-bptt-sources": ["a", "b"]}'},
    # 11: an OSC-8 hyperlink, C1 controls and bidi overrides in messages and output
    "terminal-escapes": {"activations.py": every_function_is("""
        def attack(x):
            print("\\x1b]8;;https://evil.example\\x07click me\\x1b]8;;\\x07 \\x9b2J \\x1b[2J")
            raise ValueError("\\u202eSSAP\\u202c \\x1b]8;;https://evil.example\\x07x\\x1b]8;;\\x07")
        """)},
    # 5: patching the worker's error description to claim the grader failed
    "kind-internal": {"activations.py": every_function_is("""
        import rnncourse.sandbox.worker as _worker

        _describe = _worker._describe

        def _claim(session, error):
            described = _describe(session, error)
            described.update(kind="internal", type="GraderBug",
                             message="the grader crashed: this student has full marks")
            return described

        _worker._describe = _claim

        def attack(x):
            raise ValueError("x")
        """)},
    # 5: a dict holding arrays where a check compares with == (raised in the judge)
    "dict-of-arrays": {"rnn.py": solution("rnn", """
        def rnn_step_backward(dh_next, cache):
            return {"dx": np.ones(3), "dh_prev": np.ones(2)}
        """)},
    # 6: an exception whose message is its (hidden) inputs
    "hidden-inputs-raised": {"activations.py": every_function_is(f"""
        def attack(x):
            raise ValueError("{LEAK} " + " ".join(f"{{v:.17g}}" for v in np.ravel(x)))
        """)},
    # 6: the inputs of the hidden checks kept, and shown by the next file's
    # public checks (the student process is handed on from file to file)
    "hidden-inputs-carried": {"activations.py": KEEPS_ITS_INPUTS, "clipping.py": solution(
        "clipping", f"""
        import activations as _activations

        def global_norm(grads):
            carried = "{LEAK} " + " | ".join(_activations._seen[-8:])
            print(carried)
            raise ValueError(carried)
        """)},
    # 6: and by the next file's import
    "hidden-inputs-at-import": {"activations.py": KEEPS_ITS_INPUTS, "clipping.py": f"""
import activations as _activations

raise ValueError("{LEAK} " + " | ".join(_activations._seen[-8:]))
"""},
}


@pytest.fixture(scope="module")
def texts(tmp_path_factory):
    base = tmp_path_factory.mktemp("text-attacks")
    root = make_course(base / "course", check_timeout=3.0, exercises=RNN_CLASS)
    subs = base / "submissions"
    subs.mkdir()
    add_folder(subs, "honest", rnn_class())
    add_zip(subs, "honest-zip", rnn_class(), top="honest-zip")
    for student_id, files in TEXT_ATTACKS.items():
        add_folder(subs, student_id, {**rnn_class(), **files})
    out = base / "out"
    done = grade(root, subs, out, "--jobs", "2", "--timeout", STUDENT_TIMEOUT, timeout=600)
    course = load_course(root)
    full = {exercise: points(course, exercise) for exercise in RNN_CLASS}
    return {"root": root, "subs": subs, "out": out, "done": done, "course": course,
            "rows": gradebook_rows(out), "full": full}


def exports(out: Path) -> dict[str, str]:
    """Every file the run wrote for people to read, by name."""
    found = {name: (out / name).read_text(encoding="utf-8")
             for name in ("grades.csv", "report.html")}
    for folder in ("feedback", "gradescope"):
        for path in sorted((out / folder).iterdir()):
            found[f"{folder}/{path.name}"] = path.read_text(encoding="utf-8")
    return found


def gradescope_strings(text: str) -> list[str]:
    """Every string in a Gradescope results file, as a reader gets it (JSON
    escapes decoded: a \\u001b in the file is an ESC on the page)."""
    found: list[str] = []

    def walk(value):
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(key)
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(json.loads(text))
    return found


def test_the_run_completes_with_everyone_graded(texts):
    done = texts["done"]
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr == "" and "Traceback" not in done.stdout
    rows = texts["rows"]
    assert set(rows) == {"honest", "honest-zip", *TEXT_ATTACKS}
    assert {row["status"] for row in rows.values()} == {"graded"}, {
        student: row["reason"] for student, row in rows.items() if row["status"] != "graded"}
    for student in ("honest", "honest-zip"):
        assert scores(rows[student]) == pytest.approx(texts["full"])


@pytest.mark.parametrize("student", sorted(TEXT_ATTACKS))
def test_the_attack_earns_nothing_and_costs_the_rest_nothing(texts, student):
    got = scores(texts["rows"][student])
    attacked = {"dict-of-arrays": "rnn", "quiz-key": None, "quiz-value": None,
                "hidden-inputs-carried": "clipping", "hidden-inputs-at-import": "clipping",
                }.get(student, "activations")
    for exercise, full in texts["full"].items():
        if exercise == attacked:
            assert got[exercise] < full
        else:
            assert got[exercise] == pytest.approx(full), exercise
    if attacked in ("activations", "clipping") and student != "hidden-inputs-carried":
        assert got[attacked] == 0


def test_quiz_files_with_surrogates_are_graded_as_answers(texts):
    with open(texts["out"] / "grades.csv", newline="", encoding="utf-8") as file:
        graded = {row["student_id"]: row for row in csv.DictReader(file)}
    # an unknown question id (a lone surrogate) costs only itself: the other answer counts
    assert 0 < float(graded["quiz-key"]["quiz"]) < 20
    assert graded["honest"]["quiz"] == "0"  # no answers file
    assert 0 < float(graded["quiz-value"]["quiz"]) < 20  # one right answer, two unreadable
    # a quiz that cannot be graded still counts in the maximum
    assert {row["max_score"] for row in graded.values()} == {"60"}
    feedback = (texts["out"] / "feedback" / "quiz-key.md").read_text(encoding="utf-8")
    assert "1 unknown question id, not graded: '\\\\ud800'" in feedback


def test_no_raw_student_text_in_any_export_or_the_terminal(texts):
    written = exports(texts["out"])
    for name, text in written.items():
        assert not RAW.search(text), (name, RAW.findall(text))
        if name.startswith("gradescope/"):
            for string in gradescope_strings(text):
                assert not RAW.search(string), (name, string)
    assert not RAW.search(texts["done"].stdout)
    feedback = written["feedback/terminal-escapes.md"]
    assert "\\x1b]8;;https://evil.example\\x07" in feedback  # shown, inert


@pytest.mark.parametrize("student", ["terminal-escapes", "surrogate-message",
                                     "surrogate-printed"])
def test_no_raw_student_text_in_the_terminal_of_check(texts, student):
    """`rnncourse check` on the attacker's files: what the terminal receives."""
    done = subprocess.run(
        [sys.executable, "-m", "rnncourse", "check", "activations", "--dir",
         str(texts["subs"] / student)], capture_output=True, timeout=120,
        env=dict(os.environ, RNNCOURSE_HOME=str(texts["root"]), COLUMNS="200"))
    assert done.returncode == 1, done.stderr
    shown = done.stdout.decode("utf-8")  # strict: no surrogate could be encoded
    assert "Traceback" not in shown and done.stderr == b""
    assert not RAW.search(shown), RAW.findall(shown)
    assert "raised ValueError" in shown or "printed" in shown


def test_a_process_cannot_claim_the_grader_failed(texts):
    """Its kind is "exception", its words quoted: not the grader's."""
    row = texts["rows"]["kind-internal"]
    checks = [check for exercise in row["result"]["exercises"] for check in exercise["checks"]
              if check["function"] == "sigmoid"]
    assert {check["kind"] for check in checks} == {"exception"}
    message = checks[0]["message"]
    assert message.endswith(": 'the grader crashed: this student has full marks'"), message
    remarks = Page((texts["out"] / "report.html").read_text()).rows("students")["kind-internal"]
    assert "raised GraderBug" in remarks[-1] and "internal" not in remarks[-1]


def test_an_exception_in_the_judge_on_a_students_value_fails_that_check(texts):
    row = texts["rows"]["dict-of-arrays"]
    rnn = next(e for e in row["result"]["exercises"] if e["id"] == "rnn")
    kinds = {check["kind"] for check in rnn["checks"]}
    assert "internal" not in kinds and "fail" in kinds


def hidden_feedback(out: Path, student: str) -> list[str]:
    """What the student reads about its failed hidden checks: their feedback
    lines and their Gradescope outputs."""
    lines = (out / "feedback" / f"{student}.md").read_text(encoding="utf-8").splitlines()
    shown = [f"{line} {lines[index + 1]}" for index, line in enumerate(lines[:-1])
             if "(hidden check)" in line and "✗" in line]
    results = json.loads((out / "gradescope" / f"{student}.json").read_text(encoding="utf-8"))
    shown += [test["output"] for test in results["tests"]
              if "(hidden)" in test["name"] and test["status"] == "failed"]
    return shown


def test_hidden_inputs_raised_do_not_reach_the_feedback(texts):
    out = texts["out"]
    shown = hidden_feedback(out, "hidden-inputs-raised")
    assert len(shown) == 6 and all("raised ValueError" in text for text in shown), shown
    assert not any(LEAK in text for text in shown)
    for text in shown:  # a bounded, one-line reason
        assert len(text) < 400 and "\n" not in text
    # public checks still show the student's own words on their (public) inputs
    public = (out / "feedback" / "hidden-inputs-raised.md").read_text(encoding="utf-8")
    assert LEAK in public.split("(hidden check)")[0]


def public_inputs(course) -> set[str]:
    """What KEEPS_ITS_INPUTS records during the public checks of activations
    (fixed cases): its file run here, in this process, through those checks."""
    import numpy as np

    from rnncourse.checking import engine
    from rnncourse.course.loader import reference_module
    from rnncourse.sandbox.inkernel import InKernelStudent

    namespace = {"np": np}
    exec(compile(KEEPS_ITS_INPUTS, "activations.py", "exec"), namespace)  # noqa: S102
    exercise = course.exercise("activations")
    specs = [spec for spec in engine.collect(exercise) if not spec.hidden]
    engine.check_specs(course, exercise, specs, InKernelStudent(namespace, "activations.py"),
                       reference_module(course.solutions_dir, "activations.py"))
    assert namespace["_seen"]
    return set(namespace["_seen"])


@pytest.mark.parametrize("student", ["hidden-inputs-carried", "hidden-inputs-at-import"])
def test_hidden_inputs_carried_to_the_next_file_do_not_reach_the_feedback(texts, student):
    """The student's files share one process, whose code keeps every input it
    was given and shows them from the next file's public checks: they hold
    the inputs of public checks only (those run first), never a hidden one."""
    written = exports(texts["out"])
    carried = []
    for name in (f"feedback/{student}.md", f"gradescope/{student}.json"):
        text = written[name].replace("\\|", "|")  # Markdown escapes
        for shown in re.findall(LEAK + r" ([^'\\\n]*)", text):
            carried += shown.split(" | ")[:-1]  # the last one may be cut short
    assert carried, "the attack did not show what it kept"
    assert set(carried) <= public_inputs(texts["course"])
    clipping = next(exercise for exercise in texts["rows"][student]["result"]["exercises"]
                    if exercise["id"] == "clipping")
    for check in clipping["checks"]:
        if check["hidden"]:
            assert LEAK not in check["message"] + check["output"]


def test_a_stored_result_with_a_surrogate_no_longer_stops_every_rerun(tmp_path):
    """A gradebook written before the sanitiser holds a message with a lone
    surrogate (as JSON escapes it): the rerun reuses that result, and its
    exports must still be written."""
    import sqlite3

    root = make_course(tmp_path / "course")
    subs, out = tmp_path / "submissions", tmp_path / "out"
    add_folder(subs, "amy", full_class())
    add_folder(subs, "ben", full_class())
    assert grade(root, subs, out).returncode == 0
    with sqlite3.connect(out / "gradebook.sqlite") as db:
        result = db.execute("SELECT result FROM gradings WHERE student_id = 'amy'").fetchone()[0]
        stored = json.loads(result)
        check = stored["exercises"][0]["checks"][0]
        check.update(passed=False, kind="exception", output="\ud800\x1b[2J",
                     message="sigmoid raised ValueError: \ud800 \u202e")
        db.execute("UPDATE gradings SET result = ? WHERE student_id = 'amy'",
                   (json.dumps(stored),))
    again = grade(root, subs, out)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Graded 0 student(s)" in " ".join(again.stdout.split())  # reused, not regraded
    for name, text in exports(out).items():
        assert not RAW.search(text), name
    assert "\\ud800" in (out / "feedback" / "amy.md").read_text(encoding="utf-8")


# ----------------------------------------------------------------------------
# Names (1, 11): folders, zips and files named to reach the terminal or the
# reports, and zips whose entries or size are beyond the limits.

OSC8 = "\x1b]8;;https:\\\\evil.example\x07click\x1b]8;;\x07"  # no "/": a file name


def zip_of(path: Path, members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


@pytest.fixture(scope="module")
def names(tmp_path_factory):
    base = tmp_path_factory.mktemp("name-attacks")
    root = make_course(base / "course")
    subs = base / "submissions"
    subs.mkdir()
    add_folder(subs, "honest", full_class())
    add_zip(subs, "honest-zip", full_class())
    for name in (f"osc8-{OSC8}", "c1-\x9b31m", "bidi-\u202eevil", "nul-\x01"):
        add_folder(subs, name, full_class())
    os.mkdir(os.fsencode(subs) + b"/bad-\xff")  # a name that is not UTF-8
    odd = add_folder(subs, "odd-files", full_class())
    for name in (OSC8, "\u202etxt.exe", "\x9b2J"):
        (odd / name).write_text("x")
    (odd / os.fsdecode(b"\xfe\xff.txt")).write_text("x")
    code = {name: text.encode() for name, text in full_class().items()}
    zip_of(subs / "odd-zip.zip", {**code, f"{OSC8}.py": b"x", "\u202efolder/a.txt": b"x"})
    # 11: entries beyond the limits, folders included; a zip larger than 20 MB
    zip_of(subs / "dir-bomb.zip", {**code, **{f"d{index}/": b""
                                              for index in range(submissions_limit() + 1)}})
    zip_of(subs / "big-zip.zip", {**code, "__MACOSX/padding": os.urandom(21 << 20)},
           zipfile.ZIP_STORED)
    deep = add_folder(subs, "dir-tree", full_class())
    for index in range(submissions_limit() + 1):
        (deep / f"d{index}").mkdir()
    (subs / f"roster-{OSC8}.txt").write_text("not a submission\n")
    out = base / "out"
    done = grade(root, subs, out, "--jobs", "2", timeout=600)
    return {"out": out, "done": done, "rows": gradebook_rows(out),
            "course": load_course(root)}


def submissions_limit() -> int:
    from rnncourse.grading.submissions import MAX_ENTRIES

    return MAX_ENTRIES


def test_odd_names_are_refused_or_graded_never_shown_raw(names):
    done, rows, course = names["done"], names["rows"], names["course"]
    assert done.returncode == 1, done.stdout + done.stderr  # some ids are not valid
    assert done.stderr == "" and "Traceback" not in done.stdout
    full = {"activations": points(course, "activations"), "clipping": points(course, "clipping")}
    for student in ("honest", "honest-zip", "odd-files", "odd-zip"):
        assert rows[student]["status"] == "graded", rows[student]["reason"]
        assert scores(rows[student]) == pytest.approx(full)
    refused = {student: row["reason"] for student, row in rows.items()
               if row["status"] == "invalid"}
    assert len(refused) == 5 + 3, refused
    for student, reason in refused.items():
        assert not RAW.search(student) and not RAW.search(reason), (student, reason)
    assert "osc8-" + OSC8.replace("\x1b", "\\x1b").replace("\x07", "\\x07") in refused
    assert "bad-\\xff" in refused
    for text in [done.stdout, *exports(names["out"]).values()]:
        assert not RAW.search(text), RAW.findall(text)
    assert "roster-\\x1b]8;;" in done.stdout  # listed as ignored, escaped


def test_zips_and_folders_beyond_the_limits_are_refused(names):
    rows = names["rows"]
    limit = submissions_limit()
    assert rows["dir-bomb"]["status"] == rows["dir-tree"]["status"] == "invalid"
    assert rows["dir-bomb"]["reason"] == f"dir-bomb.zip holds more than {limit} files and folders"
    assert rows["dir-tree"]["reason"] == f"dir-tree/ holds more than {limit} files and folders"
    assert rows["big-zip"]["status"] == "invalid"
    assert rows["big-zip"]["reason"] == "big-zip.zip is larger than 20 MB"


# ----------------------------------------------------------------------------
# 10: two runs into one DIR.


def test_a_second_run_cannot_write_into_the_folder_while_the_first_exports(tmp_path,
                                                                           monkeypatch):
    """Run B is started while run A writes its exports, after A's class report
    and before its per-student files: B must be refused, and every export of
    the folder must come from one run."""
    from rnncourse.grading import orchestrator
    from rnncourse.reports import classreport

    root = make_course(tmp_path / "course")
    first, second, out = tmp_path / "first", tmp_path / "second", tmp_path / "out"
    for student in ("alice", "bob"):
        add_folder(first, student, full_class())
    for student in ("carol", "dave"):
        add_folder(second, student, full_class())
    during: list = []
    write = classreport.write

    def write_then_start_another_run(*args, **kwargs):
        written = write(*args, **kwargs)
        if not during:
            during.append(grade(root, second, out, "--jobs", "1"))
        return written

    monkeypatch.setattr(classreport, "write", write_then_start_another_run)
    options = orchestrator.Options(first, out, jobs=1, timeout=60)
    outcome = orchestrator.grade_class(load_course(root), options)
    assert not outcome.interrupted
    other = during[0]
    assert other.returncode == 2, other.stdout + other.stderr
    assert "another `rnncourse grade` is writing to" in other.stderr
    with open(out / "grades.csv", newline="", encoding="utf-8") as file:
        in_csv = {row["student_id"] for row in csv.DictReader(file)}
    in_feedback = {path.stem for path in (out / "feedback").iterdir()}
    in_gradescope = {path.stem for path in (out / "gradescope").iterdir()}
    assert in_csv == in_feedback == in_gradescope == {"alice", "bob"}
    assert set(gradebook_rows(out)) == {"alice", "bob"}


# ----------------------------------------------------------------------------
# 3: a full scratch disk. The judges' scratch folder is made in $TMPDIR: here a
# small tmpfs of its own, apart from DIR, as docs/isolation.md advises.


def test_students_the_disk_failed_are_graded_again_once_there_is_room(tmp_path, monkeypatch):
    """The scratch disk is full when the run starts (student code cannot write
    to it: something else filled it) and has room again by the next round:
    every student is graded, once, with full marks; none is invalid or pending."""
    from rnncourse.grading import orchestrator

    root = make_course(tmp_path / "course")
    subs, out = tmp_path / "submissions", tmp_path / "out"
    students = [f"s{index:02d}" for index in range(6)]
    for student in students:
        add_folder(subs, student, {**full_class(), "padding.txt": "p" * (64 << 10)})
    with small_filesystem(tmp_path / "scratch", "1m") as scratch:
        monkeypatch.setenv("TMPDIR", str(scratch))
        monkeypatch.setattr(tempfile, "tempdir", None)  # read TMPDIR again
        filler = fill(scratch, leave=32 << 10)
        rounds = []
        wait = orchestrator._wait

        def room_again(seconds, stop):
            rounds.append(free_bytes(scratch))
            filler.unlink(missing_ok=True)
            return wait(seconds, stop)

        monkeypatch.setattr(orchestrator, "_wait", room_again)
        outcome = orchestrator.grade_class(load_course(root),
                                           orchestrator.Options(subs, out, jobs=2, timeout=60))
    assert len(rounds) == 1 and rounds[0] < 64 << 10  # one more round, after a full one
    assert not outcome.interrupted and outcome.graded == len(students)
    rows = gradebook_rows(out)
    course = load_course(root)
    full = {"activations": points(course, "activations"), "clipping": points(course, "clipping")}
    for student in students:
        assert rows[student]["status"] == "graded", rows[student]["reason"]
        assert rows[student]["gradings"] == 1  # a copy that failed is not a grading
        assert scores(rows[student]) == pytest.approx(full)


def test_no_room_for_any_copy_leaves_everyone_ungraded_and_says_so(tmp_path):
    root = make_course(tmp_path / "course")
    subs, out = tmp_path / "submissions", tmp_path / "out"
    students = ["amy", "ben", "cleo"]
    for student in students:
        add_folder(subs, student, {**full_class(), "padding.txt": "p" * (64 << 10)})
    with small_filesystem(tmp_path / "scratch", "1m") as scratch:
        filler = fill(scratch, leave=32 << 10)
        env = dict(os.environ, TMPDIR=str(scratch))
        done = grade(root, subs, out, "--jobs", "2", env=env)
        rows = gradebook_rows(out)
        assert done.returncode == 1, done.stdout + done.stderr
        assert "Traceback" not in done.stdout and done.stderr == ""
        for student in students:
            assert rows[student]["status"] == "error"  # not invalid, not pending
            assert rows[student]["gradings"] == 1
            assert "could not be written to the grader's scratch folder" in rows[student]["reason"]
            assert "No space left on device" in rows[student]["reason"]
            assert "run the same command again" in rows[student]["reason"]
        assert "3 student(s) are not graded" in " ".join(done.stdout.split())
        with open(out / "grades.csv", newline="", encoding="utf-8") as file:
            assert {row["status"] for row in csv.DictReader(file)} == {"error"}
        filler.unlink()
        again = grade(root, subs, out, "--jobs", "2", env=env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert {row["status"] for row in gradebook_rows(out).values()} == {"graded"}
