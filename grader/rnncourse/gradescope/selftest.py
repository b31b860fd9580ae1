"""The autograder's self-test: the zip, unpacked into a temporary
$AUTOGRADER_ROOT, set up with its own setup.sh and run with its own
run_autograder, as Gradescope would, on three submissions: the solutions
(must score full marks), the untouched stubs (must score 0) and the
solutions with one known mistake (must score above 0 and below full marks).
"""

from __future__ import annotations

import inspect
import json
import os
import re
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path

from rnncourse.course.manifest import Course
from rnncourse.errors import CourseError
from rnncourse.gradescope import autograder

SETUP_TIMEOUT = 900.0  # seconds: pip may download numpy
TOLERANCE = 1e-6


@dataclass
class Outcome:
    name: str
    expected: str  # "full", "zero" or "below full"
    score: float  # of the required exercises (extra credit and quiz left out)
    maximum: float  # the required exercises' points (the quiz is not answered here)
    failed: list[str]  # names of the failed tests
    output: str

    def line(self) -> str:
        return (f"{self.name}: {self.score:g} / {self.maximum:g} (expected {self.expected})"
                + ("" if self.passed else " -- WRONG"))

    @property
    def passed(self) -> bool:
        if self.expected == "full":
            return not self.failed and self.score >= self.maximum - TOLERANCE
        if self.expected == "zero":
            return abs(self.score) <= TOLERANCE
        return TOLERANCE < self.score < self.maximum - TOLERANCE


def problems(outcomes: list[Outcome]) -> list[str]:
    return [f"{outcome.name}: scored {outcome.score:g} of {outcome.maximum:g}, expected "
            f"{outcome.expected}" + (f" (failed: {', '.join(outcome.failed[:5])})"
                                     if outcome.failed else "") + f"; {outcome.output[:300]}"
            for outcome in outcomes if not outcome.passed]


def students(course: Course) -> list[tuple[str, str, dict[str, bytes]]]:
    """(name, expected, files) of the three submissions."""
    solutions = {exercise.file: (course.solutions_dir / exercise.file).read_bytes()
                 for exercise in course.exercises}
    stubs = {exercise.file: (course.exercises_dir / exercise.file).read_bytes()
             for exercise in course.exercises if (course.exercises_dir / exercise.file).is_file()}
    file, wrong = known_mistake(course)
    mistaken = {**solutions, file: solutions[file] + b"\n\n" + wrong.encode()}
    return [("solutions", "full", solutions), ("stubs", "zero", stubs),
            ("a known mistake", "below full", mistaken)]


def known_mistake(course: Course) -> tuple[str, str]:
    """(exercise file, source of one known-wrong function under the right name)."""
    import importlib

    for exercise in course.exercises:
        try:
            module = importlib.import_module(f"rnncourse.mistakes.{exercise.id}")
        except ModuleNotFoundError:
            continue
        for function, variants in getattr(module, "MISTAKES", {}).items():
            for _, wrong in variants:
                try:
                    source = inspect.getsource(wrong)
                except (OSError, TypeError):
                    continue
                renamed = re.sub(rf"^def {re.escape(wrong.__name__)}\(", f"def {function}(",
                                 source, count=1)
                return exercise.file, "import numpy as np\n\n" + renamed
    raise CourseError("no known mistake to self-test the autograder with (rnncourse.mistakes)")


def run(course: Course, zip_path: Path, folder: Path, progress=None) -> list[Outcome]:
    """Set up the autograder in ``folder`` and grade the three submissions."""
    root = folder / "autograder"
    (root / "source").mkdir(parents=True)
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(root / "source")
    for name in ("setup.sh", "run_autograder"):
        os.chmod(root / "source" / name, 0o755)
    env = dict(os.environ, AUTOGRADER_ROOT=str(root))
    env.pop("RNNCOURSE_HOME", None)
    if progress is not None:
        progress.stage("Setting up the autograder (setup.sh)")
    done = subprocess.run(["bash", str(root / "source" / "setup.sh")], env=env,
                          capture_output=True, text=True, timeout=SETUP_TIMEOUT)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]
        raise CourseError(f"the autograder's setup.sh failed: {last}")
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
    outcomes = []
    cases = students(course)
    if progress is not None:
        progress.stage("Grading the self-test's submissions", len(cases))
    for name, expected, files in cases:
        results = grade_one(root, files, f"selftest-{name.replace(' ', '-')}@example.invalid",
                            env)
        exercise_tests = [test for test in results["tests"] if test.get("name") != "quiz"]
        required = [test for test in exercise_tests
                    if not (test.get("extra_data") or {}).get("extra_credit")]
        outcomes.append(Outcome(
            name, expected, sum(float(test.get("score", 0)) for test in required),
            course.required_points, [test["name"] for test in exercise_tests
                                     if test.get("status") != "passed"],
            str(results.get("output", ""))))
        if progress is not None:
            progress.advance()
    return outcomes


def grade_one(root: Path, files: dict[str, bytes], email: str, env: dict) -> dict:
    """run_autograder on ``files``; its results.json."""
    submission = root / autograder.SUBMISSION
    shutil.rmtree(submission, ignore_errors=True)
    shutil.rmtree(root / "results", ignore_errors=True)
    submission.mkdir()
    (root / "results").mkdir()
    for name, data in files.items():
        (submission / name).write_bytes(data)
    (root / autograder.METADATA).write_text(json.dumps(
        {"id": 1, "users": [{"email": email, "id": 1, "name": "Self Test"}]}), encoding="utf-8")
    subprocess.run(["bash", str(root / "run_autograder")], env=env, capture_output=True,
                   text=True, timeout=900, cwd=root)
    return json.loads((root / autograder.RESULTS).read_text(encoding="utf-8"))
