"""The student edition as a student gets it: copied away from the course, installed
in a fresh virtual environment exactly as its README says, then used."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest
from helpers.course import ROOT, public_points
from helpers.edition import run_full

from rnncourse.checking.scoring import function_points
from rnncourse.nbgrader import assignment


def readme_command(readme: str, name: str) -> str:
    block = readme.split(f"<!-- readme-command: {name} -->", 1)[1]
    return re.search(r"```bash\n(.+?)\n```", block, re.DOTALL).group(1).strip()


def clean_env(**extra: str) -> dict:
    env = {key: value for key, value in os.environ.items()
           if key not in ("PYTHONPATH", "RNNCOURSE_HOME", "VIRTUAL_ENV", "RNNCOURSE_DEBUG")}
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def installed(released, tmp_path_factory):
    """(the student's copy of the edition, the README command's outcome)."""
    base = tmp_path_factory.mktemp("student")
    course = base / "rnn-course"
    shutil.copytree(released.out, course)
    # python3 is the interpreter these tests run on; the course's dependencies come
    # from this environment's site-packages as a plain path (its .pth files, the
    # editable install of the full course among them, are not run), so pip
    # finds them installed; the README's command itself runs unchanged.
    bin_dir = base / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(Path(getattr(sys, "_base_executable", sys.executable)))
    env = clean_env(PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    subprocess.run(["python3", "-m", "venv", ".venv"], cwd=course, env=env, check=True)
    site = Path(subprocess.check_output(
        [str(course / ".venv" / "bin" / "python"), "-c",
         "import sysconfig; print(sysconfig.get_path('purelib'))"], text=True).strip())
    (site / "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    command = readme_command((course / "README.md").read_text(), "install-and-check")
    assert command.startswith("python3 -m venv .venv && .venv/bin/pip install")
    done = subprocess.run(["bash", "-c", command], cwd=course, env=env, capture_output=True,
                          text=True, timeout=600)
    return course, done


def rnncourse(course: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(course / ".venv" / "bin" / "rnncourse"), *args],
                          cwd=cwd or course, env=clean_env(), capture_output=True, text=True,
                          timeout=300)


def test_the_readme_command_installs_it_and_checks_the_stubs(installed, released):
    course, done = installed
    assert done.returncode == 1, done.stdout + done.stderr  # the stubs fail
    assert "Not implemented yet" in done.stdout
    assert "Score 0 /" in done.stdout
    assert f"student edition, release {released.report.stamp}" in done.stdout  # its header
    where = subprocess.check_output([str(course / ".venv" / "bin" / "python"), "-c",
                                     "import rnncourse; print(rnncourse.__file__)"],
                                    cwd="/", env=clean_env(), text=True).strip()
    assert where == str(course / "grader" / "rnncourse" / "__init__.py")
    result = json.loads(rnncourse(course, "check", "--json").stdout)
    assert result["score"] == 0 and result["release"] == released.report.stamp
    assert all(check["kind"] == "not-implemented" for exercise in result["exercises"]
               for check in exercise["checks"])


def test_the_solutions_copied_in_get_full_public_marks(installed, course, tmp_path):
    student, _ = installed
    work = tmp_path / "work"
    shutil.copytree(student / "exercises", work)
    for path in (ROOT / "solutions").glob("*.py"):
        shutil.copy(path, work / path.name)
    done = rnncourse(student, "check", "--json", "--dir", str(work))
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(done.stdout)
    assert result["score"] == pytest.approx(public_points(course, course.exercise_ids))
    assert all(exercise["score"] == exercise["max_score"] for exercise in result["exercises"])


def test_the_locked_quiz_grades_answers_files(installed, tmp_path):
    course, _ = installed
    key = tmp_path / "key.toml"
    assert run_full("quiz", "--key", str(key)).returncode == 0  # the instructor's key
    done = rnncourse(course, "quiz", "--answers", str(key), "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    graded = json.loads(done.stdout)
    assert graded["passed"] and graded["score"] == graded["max_score"] > 100
    wrong = tmp_path / "wrong.toml"
    wrong.write_text('rnn-wh-shape = "a"\nrnn-shared-weights = false\n')
    graded = json.loads(rnncourse(course, "quiz", "--answers", str(wrong), "--json").stdout)
    right = {q["id"]: q["correct"] for q in graded["questions"] if q["answered"]}
    assert right == {"rnn-wh-shape": False, "rnn-shared-weights": True}


@pytest.mark.parametrize("args", [("quiz", "--key", "KEY"), ("quiz", "--lock", "KEY"),
                                  ("grade", "subs", "--out", "out"), ("build",),
                                  ("nbgrader", "init", "nb"), ("release", "out"),
                                  ("release", "--audit", "."), ("check", "--hidden")],
                         ids=" ".join)
def test_instructor_commands_refuse_in_one_line(installed, tmp_path, args):
    course, _ = installed
    args = tuple(str(tmp_path / "key.toml") if arg == "KEY" else arg for arg in args)
    done = rnncourse(course, *args, cwd=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    lines = (done.stdout + done.stderr).strip().splitlines()
    assert len(lines) == 1 and "this is the student edition" in lines[0], lines
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_the_help_lists_only_what_a_student_can_run(installed):
    course, _ = installed
    text = rnncourse(course, "--help").stdout
    commands = text.split("Commands:", 1)[1]
    assert "check" in commands and "quiz" in commands
    assert not re.search(r"^\s+(grade|build|nbgrader|release)\s", commands, re.MULTILINE)


NOTEBOOK = """
import json, sys
cells = json.load(open(sys.argv[1]))["cells"]
namespace, points = {}, {}
for cell in cells:
    if cell["cell_type"] != "code":
        continue
    lines, hidden = [], False
    for line in cell["source"].splitlines():  # what nbgrader's student copy keeps
        if line.strip() == "### BEGIN HIDDEN TESTS":
            hidden = True
        elif line.strip() == "### END HIDDEN TESTS":
            hidden = False
        elif not hidden:
            lines.append(line)
    if cell["metadata"]["nbgrader"]["grade"]:  # a test cell: its last value is its points
        exec("\\n".join(lines[:-1]), namespace)
        points[cell["id"]] = eval(lines[-1], namespace)
    else:
        exec("\\n".join(lines), namespace)
    if len(sys.argv) > 2 and cell["id"] == sys.argv[2]:  # the student's own version
        exec(sys.argv[3], namespace)
print(json.dumps(points))
"""


def run_notebook(course: Path, notebook: dict, folder: Path, after: str = "",
                 code: str = "") -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "nb.json").write_text(json.dumps(notebook))
    (folder / "run.py").write_text(NOTEBOOK)
    done = subprocess.run([str(course / ".venv" / "bin" / "python"), "run.py", "nb.json",
                           *([after, code] if after else [])], cwd=folder, env=clean_env(),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])  # after what the cells print


def test_an_nbgrader_notebook_works_in_a_kernel_with_only_the_edition(installed, course,
                                                                      tmp_path):
    """The notebooks `rnncourse nbgrader init` writes, as nbgrader hands them to
    students (hidden tests removed), run in the edition's environment, away from
    any course folder: right code gets each cell's full points."""
    student, _ = installed
    exercise = course.exercise("activations")
    notebook = assignment.notebook(course, exercise)
    points = run_notebook(student, notebook, tmp_path / "nb")
    full = function_points(exercise)
    assert points == {f"{name}-tests": pytest.approx(full[name]) for name in exercise.functions}
    wrong = run_notebook(student, notebook, tmp_path / "wrong", "tanh_derivative-answer",
                         textwrap.dedent("""
                             def tanh_derivative(x):
                                 return 1 - x ** 2
                         """))
    assert wrong["tanh_derivative-tests"] == 0 and wrong["sigmoid-tests"] == pytest.approx(
        full["sigmoid"])
