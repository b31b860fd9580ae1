"""`rnncourse submit` is a student's command: it works in the student edition,
names the edition's release, and its zip is graded in the full course like the
edition's own exercises/ folder."""

from __future__ import annotations

import json
import shutil
import zipfile

from helpers.classroom import grade, gradebook_rows, solution
from helpers.course import ROOT
from helpers.edition import run_edition

from rnncourse.grading.matching import MANIFEST


def test_submit_in_the_student_edition(released, tmp_path):
    edition = tmp_path / "edition"
    shutil.copytree(released.out, edition, ignore=shutil.ignore_patterns("__pycache__"))
    stub = (edition / "exercises" / "activations.py").read_text(encoding="utf-8")
    (edition / "exercises" / "activations.py").write_text(
        stub.partition("\n")[0] + "\n" + solution("activations"), encoding="utf-8")
    (edition / "quiz_answers.toml").write_text('lstm-output-slice = "c"\n', encoding="utf-8")
    hand_in = tmp_path / "subs" / "amy.zip"
    done = run_edition(edition, "submit", "--out", str(hand_in))
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"release {released.report.stamp}" in done.stdout
    with zipfile.ZipFile(hand_in) as archive:
        manifest = json.loads(archive.read(MANIFEST))
    assert manifest["course"]["release"] == released.report.stamp
    assert manifest["files"]["activations.py"]["untouched"] is False
    assert set(manifest["untouched"]) == {"clipping.py", "rnn.py", "lstm.py", "gru.py",
                                          "lstm_variants.py"}
    folder = tmp_path / "subs" / "bob"
    shutil.copytree(edition / "exercises", folder)
    shutil.copy(edition / "quiz_answers.toml", folder)
    graded = grade(ROOT, tmp_path / "subs", tmp_path / "out", "--jobs", "2", timeout=600)
    assert graded.returncode == 0, graded.stdout + graded.stderr
    rows = gradebook_rows(tmp_path / "out")
    amy, bob = rows["amy"]["result"], rows["bob"]["result"]
    assert amy["score"] == bob["score"] == 10.0
    assert amy["releases"] == bob["releases"] == [released.report.stamp]
    assert amy["packaging"]["notes"] == [] == bob["packaging"]["notes"]
