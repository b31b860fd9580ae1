"""`rnncourse gradescope build`: the zip, its self-test, its refusals; the
course secret made on first use and refused by the release audit."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile

from helpers.classroom import make_course, solution

from rnncourse.course import manifest, secret
from rnncourse.release import build as release


def rnncourse(root, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rnncourse", *args], capture_output=True,
                          text=True, timeout=900, env=dict(os.environ, RNNCOURSE_HOME=str(root),
                                                           COLUMNS="200"))


def test_build_self_tests_and_writes_the_zip(tmp_path):
    root = make_course(tmp_path / "course", exercises=("activations", "clipping"))
    done = rnncourse(root, "gradescope", "build", str(tmp_path / "ag.zip"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Created the course secret" in done.stdout
    assert "solutions: 20 / 20 (expected full)" in done.stdout
    assert "stubs: 0 / 20 (expected zero)" in done.stdout
    assert "a known mistake:" in done.stdout and "WRONG" not in done.stdout
    with zipfile.ZipFile(tmp_path / "ag.zip") as archive:
        names = set(archive.namelist())
        modes = {info.filename: info.external_attr >> 16 for info in archive.infolist()}
        pins = archive.read("requirements.txt").decode().split()
    assert {"setup.sh", "run_autograder", "requirements.txt", "course/course.toml",
            f"course/{secret.FILE}", "course/solutions/activations.py"} <= names
    assert any(name.startswith("wheels/rnncourse-") for name in names)
    assert modes["setup.sh"] & 0o111 and modes["run_autograder"] & 0o111
    import numpy

    assert f"numpy=={numpy.__version__}" in pins and all("==" in pin for pin in pins)
    again = rnncourse(root, "gradescope", "build", str(tmp_path / "ag.zip"), "--no-self-test")
    assert again.returncode == 0 and "Created the course secret" not in again.stdout


def test_a_failed_self_test_writes_nothing(tmp_path):
    """Stubs that are not stubs (a solution in exercises/) score more than 0."""
    root = make_course(tmp_path / "course", exercises=("activations",))
    (root / "exercises" / "activations.py").write_text(solution("activations"))
    done = rnncourse(root, "gradescope", "build", str(tmp_path / "ag.zip"))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "stubs: 10 / 10 (expected zero) -- WRONG" in done.stdout
    assert "Build failed" in done.stdout and not (tmp_path / "ag.zip").exists()
    assert not list(tmp_path.glob(".ag.zip*"))


def test_bad_output_is_one_line_and_exit_2(tmp_path):
    root = make_course(tmp_path / "course", exercises=("activations",))
    for out in (tmp_path / "ag.tar", tmp_path / "missing" / "ag.zip"):
        done = rnncourse(root, "gradescope", "build", str(out), "--no-self-test")
        assert done.returncode == 2 and "Traceback" not in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1


def test_the_secret_is_made_once_and_the_release_audit_refuses_it(tmp_path):
    root = make_course(tmp_path / "course", exercises=("activations",))
    course = manifest.load(root)
    value, made = secret.ensure(course)
    assert made and secret.ensure(course) == (value, False)
    assert oct(secret.path(course).stat().st_mode & 0o777) == "0o600"
    handout = tmp_path / "handout"
    handout.mkdir()
    (handout / "notes.txt").write_text(f"key: \n{value.hex()}\n")
    (handout / secret.FILE).write_text("anything")
    found = {finding.path: finding.what for finding in release.run_audit(course, handout)}
    assert "course secret" in found["notes.txt"] and "course secret" in found[secret.FILE]
    (secret.path(course)).write_text("not hex\n")
    done = rnncourse(root, "gradescope", "build", str(tmp_path / "ag.zip"), "--no-self-test")
    assert done.returncode == 2 and "not a course secret" in done.stderr
