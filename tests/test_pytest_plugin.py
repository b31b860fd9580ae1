"""The check modules run under real pytest too, with the same verdicts as the engine."""

import os
import subprocess
import sys

from helpers.course import ROOT


def pytest_run(folder):
    env = dict(os.environ, RNNCOURSE_HOME=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "rnncourse.pytest_plugin", "-q", "-p",
         "no:cacheprovider", "--rnncourse-dir", str(folder), "-rA",
         str(ROOT / "grader" / "rnncourse" / "checks")],
        capture_output=True, text=True, env=env, cwd=ROOT)
    return done


def verdicts(output):
    found = {}
    for line in output.splitlines():
        for word in ("PASSED", "FAILED"):
            if line.startswith(word + " "):
                found[line.split()[1].split("::")[-1]] = word
    return found


def test_solutions_pass_and_stubs_fail_under_pytest(course):
    from rnncourse.checking import engine

    public = [spec for e in course.exercises for spec in engine.collect(e, False)]
    passed = verdicts(pytest_run(ROOT / "solutions").stdout)
    assert len(passed) == len(public) and set(passed.values()) == {"PASSED"}
    failed = pytest_run(ROOT / "exercises")
    assert set(verdicts(failed.stdout).values()) == {"FAILED"}
    assert "is not implemented yet" in failed.stdout
