"""nbgrader: the generated course, the test-cell grader, and an end-to-end run of
real nbgrader (generate_assignment, autograde, generate_feedback, export,
validate) whose scores must equal those of `rnncourse grade` on the same code."""

import csv
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers.classroom import make_course
from helpers.course import ROOT

from rnncourse.checking.scoring import function_points
from rnncourse.cli.main import cli
from rnncourse.nbgrader import assignment as nbgrader_course
from rnncourse.nbgrader import report as nbgrader_report
from rnncourse.nbgrader.cells import MIMETYPE, NotebookGrader

ASSIGNMENT = nbgrader_course.ASSIGNMENT
SWAPPED_UPDATE = """
def gru_update(h_prev, h_tilde, z):
    return z * h_prev + (1 - z) * h_tilde    # PyTorch's convention
"""


def cells(notebook: dict, kind: str | None = None) -> list[dict]:
    return [c for c in notebook["cells"] if kind is None or c["cell_type"] == kind]


def test_notebooks_follow_nbgrader_schema(course):
    for exercise in course.exercises:
        notebook = nbgrader_course.notebook(course, exercise)
        assert notebook["nbformat"] == 4 and notebook["nbformat_minor"] == 5
        ids = [cell["id"] for cell in notebook["cells"]]
        assert len(ids) == len(set(ids))
        points = function_points(exercise)
        assert sum(points.values()) == pytest.approx(exercise.points)
        for cell in notebook["cells"]:
            meta = cell["metadata"]["nbgrader"]
            assert set(meta) >= {"grade", "grade_id", "locked", "schema_version", "solution",
                                 "task"} and meta["schema_version"] == 3
        tests = [c for c in notebook["cells"] if c["metadata"]["nbgrader"]["grade"]]
        answers = [c for c in notebook["cells"] if c["metadata"]["nbgrader"]["solution"]]
        assert [c["metadata"]["nbgrader"]["grade_id"] for c in tests] == \
            [f"{name}-tests" for name in exercise.functions]
        for name, answer, test in zip(exercise.functions, answers, tests):
            assert answer["source"].startswith(f"def {name}(")
            assert "### BEGIN SOLUTION" in answer["source"]
            assert "### END SOLUTION" in answer["source"]
            assert test["metadata"]["nbgrader"]["locked"]
            assert test["metadata"]["nbgrader"]["points"] == points[name]
            assert "### BEGIN HIDDEN TESTS" in test["source"]
            # the last value is partial credit, never a bare bool (which nbgrader counts as a pass)
            assert test["source"].rstrip().endswith("grader.points()")


def namespace(exercise: str, extra: str = "") -> dict:
    names: dict = {}
    exec(compile((ROOT / "solutions" / f"{exercise}.py").read_text() + textwrap.dedent(extra),
                 f"<{exercise}>", "exec"), names)
    return names


def test_grader_gives_the_functions_points_and_partial_credit(monkeypatch):
    monkeypatch.setenv("RNNCOURSE_HOME", str(ROOT))
    right = NotebookGrader("gru", "gru_update", namespace("gru"))
    right.check()
    assert right.points() == right.cell_points  # public only: full marks, validate passes
    right.check(hidden=True)
    assert right.points() == right.cell_points
    wrong = NotebookGrader("gru", "gru_update", namespace("gru", """
        def gru_update(h_prev, h_tilde, z):
            h_prev *= 1 - z    # right values, but the caller's array changes
            return h_prev + z * h_tilde
    """))
    wrong.check()
    wrong.check(hidden=True)
    earned = sum(r.points for r in wrong.results)
    assert wrong.points() == pytest.approx(earned)
    assert 0 < earned < wrong.cell_points


def test_grader_never_raises_and_times_out(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("RNNCOURSE_HOME", str(make_course(tmp_path / "course", 0.3, ("gru",))))
    grader = NotebookGrader("gru", "gru_update", namespace("gru", """
        def gru_update(h_prev, h_tilde, z):
            while True:
                pass
    """))
    grader.check()
    grader.check(hidden=True)
    assert grader.points() == 0.0
    out, err = capsys.readouterr()
    assert "gru_update did not finish within 0.3 s" in out and err == ""
    assert "not run: gru_update did not finish" in out  # one time limit, not one per check


def test_report_ignores_results_published_outside_the_functions_cell(tmp_path, course):
    exercise = course.exercise("gru")
    notebook = nbgrader_course.notebook(course, exercise)
    forged = {"exercise": "gru", "function": "gru_update", "checks": [
        {"id": spec_id, "function": "gru_update", "passed": True, "points": 1.0,
         "max_points": 1.0} for spec_id in ("gru_update.values",)]}
    for cell in notebook["cells"]:
        grade_id = cell["metadata"]["nbgrader"]["grade_id"]
        if grade_id in ("gru_update-answer", "gru_forward-tests"):  # not gru_update's test cell
            cell.setdefault("outputs", []).append(
                {"output_type": "display_data", "data": {MIMETYPE: forged}, "metadata": {}})
    path = tmp_path / "gru.ipynb"
    path.write_text(json.dumps(notebook))
    result = nbgrader_report._exercise(exercise, path)
    assert result.score == 0 and all(not c.passed for c in result.checks)


# ----------------------------------------------------------------------------
# End to end, with real nbgrader

nbgrader = pytest.importorskip("nbgrader", reason='needs the extra: pip install -e ".[nbgrader]"')


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    # nbgrader finds alembic through PATH: the venv's bin/ must come first
    bin_dir = str(Path(sys.executable).parent)
    env = dict(os.environ, PATH=bin_dir + os.pathsep + os.environ.get("PATH", ""),
               RNNCOURSE_HOME=str(ROOT))
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def fill(release: Path, source: Path, target: Path, replace: dict[str, str]) -> None:
    """A submission: the release notebooks with each answer cell filled in from
    the source notebook (solution markers dropped), or from ``replace``."""
    for notebook_path in release.glob("*.ipynb"):
        notebook = json.loads(notebook_path.read_text())
        answers = {c["id"]: c for c in json.loads((source / notebook_path.name).read_text())
                   ["cells"]}
        for cell in notebook["cells"]:
            if cell["metadata"].get("nbgrader", {}).get("solution"):
                text = "".join(answers[cell["id"]]["source"])
                cell["source"] = replace.get(cell["id"], "\n".join(
                    line for line in text.split("\n") if "### " not in line))
        path = target / notebook_path.name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(notebook))


@pytest.fixture(scope="module")
def nbgrader_course_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("nbgrader") / "course"
    env_home = os.environ.get("RNNCOURSE_HOME")
    os.environ["RNNCOURSE_HOME"] = str(ROOT)
    try:
        result = CliRunner().invoke(cli, ["nbgrader", "init", str(folder)])
    finally:
        if env_home is None:
            os.environ.pop("RNNCOURSE_HOME")
        else:
            os.environ["RNNCOURSE_HOME"] = env_home
    assert result.exit_code == 0, result.output
    nbg = [sys.executable, "-m", "nbgrader"]
    generated = run([*nbg, "generate_assignment", ASSIGNMENT], folder)
    assert generated.returncode == 0, generated.stderr
    release, source = folder / "release" / ASSIGNMENT, folder / "source" / ASSIGNMENT
    submitted = folder / "submitted"
    fill(release, source, submitted / "right" / ASSIGNMENT, {})
    shutil.copytree(release, submitted / "untouched" / ASSIGNMENT)
    fill(release, source, submitted / "swapped" / ASSIGNMENT,
         {"gru_update-answer": textwrap.dedent(SWAPPED_UPDATE)})
    for step in (["autograde", ASSIGNMENT], ["generate_feedback", ASSIGNMENT], ["export"]):
        done = run([*nbg, *step], folder)
        assert done.returncode == 0, done.stderr[-2000:]
    return folder


def test_release_holds_no_solutions_and_no_hidden_tests(nbgrader_course_dir):
    solutions = "\n".join((ROOT / "solutions" / f.name).read_text()
                          for f in (ROOT / "solutions").glob("*.py"))
    region = [line.strip() for chunk in solutions.split("### BEGIN SOLUTION")[1:]
              for line in chunk.split("### END SOLUTION")[0].splitlines() if line.strip()]
    assert region
    for path in (nbgrader_course_dir / "release" / ASSIGNMENT).glob("*.ipynb"):
        text = "\n".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"])
        assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text
        assert "hidden=True" not in text
        leaked = [line for line in region if line in text.splitlines()
                  and line not in ("return h, caches", "return dx, dh_prev, dWx, dWh, db")]
        assert not [line for line in leaked if len(line) > 25], leaked


def test_scores_equal_rnncourse_grade(nbgrader_course_dir, tmp_path):
    with open(nbgrader_course_dir / "grades.csv", newline="") as file:
        exported = {row["student_id"]: float(row["score"]) for row in csv.DictReader(file)}
    assert exported["right"] == 100 and exported["untouched"] == 0
    assert 0 < exported["swapped"] < 100
    out = tmp_path / "report"
    result = run([sys.executable, "-m", "rnncourse", "nbgrader", "report",
                  str(nbgrader_course_dir), "--out", str(out)], tmp_path)
    assert result.returncode == 0, result.stderr
    submissions = tmp_path / "submissions"
    for student, changes in (("right", {}), ("untouched", None),
                             ("swapped", {"gru.py": SWAPPED_UPDATE})):
        folder = submissions / student
        shutil.copytree(ROOT / ("exercises" if changes is None else "solutions"), folder)
        for name, code in (changes or {}).items():
            with open(folder / name, "a") as file:
                file.write(textwrap.dedent(code))
    graded = run([sys.executable, "-m", "rnncourse", "grade", str(submissions), "--out",
                  str(tmp_path / "graded")], tmp_path)
    assert graded.returncode == 0, graded.stderr

    def exercise_scores(path):
        with open(path, newline="") as file:
            rows = {row["student_id"]: row for row in csv.DictReader(file)}
        return {student: {k: float(row[k]) for k in ("activations", "clipping", "rnn", "lstm",
                                                     "gru")} for student, row in rows.items()}

    ours = exercise_scores(out / "grades.csv")
    theirs = exercise_scores(tmp_path / "graded" / "grades.csv")
    assert ours == theirs, (ours, theirs)
    assert {s: sum(v.values()) for s, v in ours.items()} == exported
    assert "<svg" in (out / "report.html").read_text()


def test_feedback_shows_no_hidden_test_source(nbgrader_course_dir):
    pages = list((nbgrader_course_dir / "feedback").rglob("*.html"))
    assert len(pages) == 15
    for page in pages:
        text = page.read_text()
        assert "HIDDEN TESTS" not in text and "hidden=True" not in text
        assert "Traceback (most recent call last)" not in text


def test_validate_passes_source_and_fails_release(nbgrader_course_dir):
    nbg = [sys.executable, "-m", "nbgrader", "validate"]
    source = run([*nbg, f"source/{ASSIGNMENT}/gru.ipynb"], nbgrader_course_dir)
    release = run([*nbg, f"release/{ASSIGNMENT}/gru.ipynb"], nbgrader_course_dir)
    # nbgrader validate exits 0 either way: read what it says
    assert "Success! Your notebook passes all the tests." in source.stdout + source.stderr
    assert "Success!" not in release.stdout + release.stderr
    assert "VALIDATION FAILED" in release.stdout + release.stderr


def report_header(course_dir: Path, out: Path) -> list[str]:
    done = run([sys.executable, "-m", "rnncourse", "nbgrader", "report", str(course_dir),
                "--out", str(out)], out.parent)
    assert done.returncode == 0, done.stdout + done.stderr
    with open(out / "grades.csv", newline="") as file:
        return next(csv.reader(file))


def test_the_report_lists_only_the_assignments_exercises(nbgrader_course_dir, tmp_path):
    """init without --optional leaves the optional exercise out of the assignment,
    so it is no column and nobody's "not submitted"."""
    header = report_header(nbgrader_course_dir, tmp_path / "report")
    assert header == ["student_id", "activations", "clipping", "rnn", "lstm", "gru", "quiz",
                      "score", "max_score", "status", "notes"]
    page = (tmp_path / "report" / "report.html").read_text(encoding="utf-8")
    assert "lstm_variants" not in page and "not submitted" not in page


def test_with_optional_the_report_lists_the_optional_exercise(tmp_path):
    folder = tmp_path / "course"
    env = dict(os.environ, RNNCOURSE_HOME=str(ROOT))
    result = CliRunner().invoke(cli, ["nbgrader", "init", str(folder), "--optional"], env=env)
    assert result.exit_code == 0, result.output
    nbg = [sys.executable, "-m", "nbgrader"]
    assert run([*nbg, "generate_assignment", ASSIGNMENT], folder).returncode == 0
    assert run([*nbg, "db", "student", "add", "amy"], folder).returncode == 0
    header = report_header(folder, tmp_path / "report")
    assert header[1:7] == ["activations", "clipping", "rnn", "lstm", "gru", "lstm_variants"]
    with open(tmp_path / "report" / "grades.csv", newline="") as file:
        amy = next(csv.DictReader(file))
    assert amy["status"] == "pending" and amy["max_score"] == "100"  # still extra credit


def test_feedback_wraps_the_check_output(nbgrader_course_dir, tmp_path):
    from helpers import browser

    from rnncourse.nbgrader.feedback import WRAP_CSS

    page = nbgrader_course_dir / "feedback" / "swapped" / ASSIGNMENT / "gru.html"
    text = page.read_text(encoding="utf-8")
    assert WRAP_CSS in text and "Hint: " in text
    if browser.chromium() is None:
        pytest.skip("no chromium here to look at the page (apt-get install -y chromium)")
    copy = tmp_path / "gru.html"
    copy.write_text(text, encoding="utf-8")
    seen = browser.measure(copy, """
        var wide = [];
        document.querySelectorAll('div.output_area pre').forEach(function (pre) {
          if (pre.scrollWidth > pre.clientWidth + 1) wide.push(pre.textContent.slice(0, 60));
        });
        return {wide: wide, scroll: document.documentElement.scrollWidth,
                view: window.innerWidth,
                hints: document.body.innerText.indexOf('Hint: ') >= 0};""", 900, 1600)
    assert seen["hints"] and seen["wide"] == [] and seen["scroll"] <= seen["view"]
