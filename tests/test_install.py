"""The package as users get it: a wheel installed (not editable) into a fresh
virtual environment holds every subpackage, checks the course from the course
folder, and its strict student processes cannot read the installed checks,
mistakes or the solutions — as in the editable install. The published import
paths keep working."""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import venv
import zipfile
from pathlib import Path

import pytest
from helpers.course import ROOT

from rnncourse.sandbox import landlock

NEEDS_LANDLOCK = pytest.mark.skipif(landlock.abi_version() < 6,
                                    reason="needs Linux with Landlock ABI 6 (kernel 6.12+)")
COURSE_FILES = ("course.toml", "solutions", "exercises", "notes", "quiz")

# Run by the environment's own Python: a strict student process tries to read
# each path and reports what happened.
PROBE = '''
import json, sys
from pathlib import Path
from rnncourse.sandbox.process import StudentProcess
import rnncourse

package = Path(rnncourse.__file__).resolve().parent
course, work = Path(sys.argv[1]), Path(sys.argv[2])
targets = [package / "checks" / "lstm.py", package / "mistakes" / "lstm.py",
           package / "checking" / "recurrent.py", course / "solutions" / "lstm.py"]
student = work / "lstm.py"
student.write_text(
    "def attack(paths):\\n"
    "    outcome = []\\n"
    "    for path in paths:\\n"
    "        try:\\n"
    "            open(path).read(10)\\n"
    "            outcome.append('read')\\n"
    "        except OSError as error:\\n"
    "            outcome.append(type(error).__name__)\\n"
    "    return ','.join(outcome)\\n")
with StudentProcess(student, workdir=work, isolation="strict", deny=(course,)) as process:
    got = process.call("attack", ([str(t) for t in targets],), timeout=30).value
print(json.dumps({"package": str(package), "targets": [str(t) for t in targets],
                  "outcome": got.split(",")}))
'''


def probe(python: Path, course: Path, work: Path) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    os.chmod(work, 0o711)
    done = subprocess.run([str(python), "-c", PROBE, str(course), str(work)], cwd=course,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def wheel_env(tmp_path_factory) -> tuple[Path, Path, Path]:
    """(python of a fresh venv with the wheel installed, the course folder, the wheel)."""
    base = tmp_path_factory.mktemp("wheel")
    source = base / "source"  # a clean copy: the build writes build/ and egg-info
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".venv", ".git", "__pycache__", "build", "*.egg-info", ".rnncourse", "tests"))
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "-q",
                            "-w", str(base / "dist")],
                           cwd=source, capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    wheel = next((base / "dist").glob("rnncourse-*.whl"))
    env = base / "env"
    venv.create(env, with_pip=False)
    python = env / "bin" / "python"
    # The dependencies come from this environment's site-packages, added as a
    # plain path: its .pth files (the editable rnncourse among them) are not run.
    site = Path(subprocess.check_output(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        text=True).strip())
    (site / "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    installed = subprocess.run([sys.executable, "-m", "pip", "--python", str(python),
                                "install", "--no-deps", "-q", str(wheel)],
                               capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stderr
    course = base / "course"
    course.mkdir()
    for name in COURSE_FILES:
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy
        copy(ROOT / name, course / name)
    return python, course, wheel


def test_the_wheel_holds_every_subpackage(wheel_env):
    _, _, wheel = wheel_env
    names = set(zipfile.ZipFile(wheel).namelist())
    package = ROOT / "grader" / "rnncourse"
    expected = {f"rnncourse/{path.relative_to(package).as_posix()}"
                for path in package.rglob("*.py")}
    assert expected <= names, sorted(expected - names)


def test_the_installed_wheel_is_not_the_checkout(wheel_env):
    python, course, _ = wheel_env
    where = subprocess.check_output(
        [str(python), "-c", "import rnncourse; print(rnncourse.__file__)"], cwd=course,
        text=True).strip()
    assert "site-packages" in where and not where.startswith(str(ROOT))


def test_the_installed_wheel_checks_the_solutions_with_full_marks(wheel_env):
    python, course, _ = wheel_env
    done = subprocess.run([str(python), "-m", "rnncourse", "check", "--dir", "solutions",
                           "--json"], cwd=course, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["max_score"] > 0
    assert all(e["score"] == e["max_score"] > 0 for e in result["exercises"]), result


@NEEDS_LANDLOCK
def test_student_code_cannot_read_the_installed_package_or_the_solutions(wheel_env, tmp_path):
    python, course, _ = wheel_env
    seen = probe(python, course, tmp_path / "work")
    assert "site-packages" in seen["package"]
    assert seen["outcome"] == ["PermissionError"] * len(seen["targets"]), seen


@NEEDS_LANDLOCK
def test_student_code_cannot_read_the_package_of_an_editable_install(tmp_path):
    seen = probe(Path(sys.executable), ROOT, tmp_path / "work")
    assert seen["package"] == str(ROOT / "grader" / "rnncourse")
    assert seen["outcome"] == ["PermissionError"] * len(seen["targets"]), seen


def test_published_import_paths_keep_working(course):
    from rnncourse import notebook, pytest_plugin, quiz
    from rnncourse.nbgrader import cells

    assert callable(getattr(pytest_plugin, "pytest_addoption", None))
    assert notebook.NotebookGrader is cells.NotebookGrader
    assert notebook.MIMETYPE == cells.MIMETYPE
    for name in ("load_bank", "read_answers", "grade_answers", "QuizResult"):
        assert hasattr(quiz, name), name
    bank = quiz.load_bank(course)
    assert quiz.grade_answers(bank, {}).max_score > 0
    for exercise in course.exercises:
        importlib.import_module(f"rnncourse.checks.{exercise.id}")
        importlib.import_module(f"rnncourse.mistakes.{exercise.id}")


def test_a_notebook_cell_written_before_the_layout_still_grades(tmp_path):
    """Test cells generated earlier import rnncourse.notebook."""
    namespace: dict = {}
    exec(compile((ROOT / "solutions" / "activations.py").read_text(), "cell", "exec"),
         namespace)
    code = textwrap.dedent("""
        from rnncourse.notebook import NotebookGrader
        grader = NotebookGrader("activations", "sigmoid", globals())
        grader.check()
        points = grader.points()
    """)
    exec(code, namespace)
    assert namespace["points"] > 0
    assert all(result.passed for result in namespace["grader"].results)
