"""Grading is the instructor's, unchanged: files written from the student edition's
stubs get the same scores as the same code in files from the full course, and the
gradebook records which release each submission came from."""

from __future__ import annotations

import pytest
from checking.test_recurrent import MISTAKES as RECURRENT
from helpers.classroom import (
    CLIP_BY_VALUE,
    DERIVATIVE_AT_ACTIVATION,
    add_folder,
    grade,
    gradebook_rows,
    solution,
)
from helpers.course import ROOT

EXERCISES = ("activations", "clipping", "rnn")
OLDER = "0.0.9+aaaaaaaaaaaa"


def work(extra: dict[str, str] | None = None) -> dict[str, str]:
    """A student's code per exercise: the solutions, some with a mistake."""
    return {exercise: solution(exercise, (extra or {}).get(exercise, ""))
            for exercise in EXERCISES}


STUDENTS = {
    "alice": work(),
    "carol": work({"activations": DERIVATIVE_AT_ACTIVATION}),
    "dave": work({"clipping": CLIP_BY_VALUE, "rnn": RECURRENT[0][1]}),
}


def files(stubs: dict[str, str], code: dict[str, str], header: str | None = None
          ) -> dict[str, str]:
    """What a student hands in: the stub's first line (which says where it came
    from) kept, the rest replaced by the student's code."""
    handed = {}
    for exercise, text in code.items():
        first = header or stubs[exercise].partition("\n")[0]
        handed[f"{exercise}.py"] = first + "\n" + text
    return handed


@pytest.fixture(scope="module")
def classes(released, tmp_path_factory):
    base = tmp_path_factory.mktemp("classes")
    edition_stubs = {e: (released.out / "exercises" / f"{e}.py").read_text() for e in EXERCISES}
    course_stubs = {e: (ROOT / "exercises" / f"{e}.py").read_text() for e in EXERCISES}
    outcome = {}
    for name, stubs in (("edition", edition_stubs), ("course", course_stubs)):
        subs = base / name / "submissions"
        subs.mkdir(parents=True)
        for student_id, code in STUDENTS.items():
            add_folder(subs, student_id, files(stubs, code))
        add_folder(subs, "bob", {f"{e}.py": stubs[e] for e in EXERCISES})  # untouched
        if name == "edition":
            old = files(stubs, STUDENTS["alice"],
                        edition_stubs["rnn"].partition("\n")[0].replace(
                            released.report.stamp, OLDER))
            assert all(f.startswith("# rnncourse exercise (stub ") and OLDER in f.split("\n")[0]
                       for f in old.values())
            add_folder(subs, "erin", old)
        out = base / name / "out"
        done = grade(ROOT, subs, out, "--jobs", "2", timeout=600)
        assert done.returncode == 0, done.stdout + done.stderr
        outcome[name] = (gradebook_rows(out), done.stdout)
    return outcome


def test_files_from_the_edition_score_as_the_same_code_from_the_course(classes):
    edition, _ = classes["edition"]
    course, _ = classes["course"]
    for student_id in (*STUDENTS, "bob"):
        ours, theirs = course[student_id]["result"], edition[student_id]["result"]
        assert theirs["score"] == ours["score"] and theirs["max_score"] == ours["max_score"]
        for mine, other in zip(ours["exercises"], theirs["exercises"]):
            assert [(c["id"], c["passed"], c["points"]) for c in other["checks"]] == \
                [(c["id"], c["passed"], c["points"]) for c in mine["checks"]], student_id
    assert edition["alice"]["result"]["score"] > edition["carol"]["result"]["score"] > 0
    assert any(c["hidden"] for e in edition["alice"]["result"]["exercises"]
               for c in e["checks"])  # the hidden checks ran


def test_the_gradebook_records_the_release_of_each_submission(classes, released):
    edition, _ = classes["edition"]
    course, _ = classes["course"]
    for student_id in (*STUDENTS, "bob"):
        assert edition[student_id]["result"]["releases"] == [released.report.stamp]
        assert course[student_id]["result"]["releases"] == []  # the full course's stubs
    assert edition["erin"]["result"]["releases"] == [OLDER]


def test_grading_warns_about_files_from_an_older_release(classes):
    _, said = classes["edition"]
    _, said_for_course = classes["course"]
    assert "1 student(s) handed in files from an older release" in said
    assert f"erin ({OLDER})" in said
    assert "older release" not in said_for_course and "another release" not in said_for_course
