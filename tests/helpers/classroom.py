"""Building a class of submissions in a temporary folder, and grading it with the
real CLI in a process (and session) of its own."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import zipfile
from html.parser import HTMLParser
from pathlib import Path

from pytest import approx

from helpers.course import ROOT, source_of
from rnncourse.checking import engine
from rnncourse.course import manifest as course_module

# Known mistakes, written the way tests/test_activations.py and test_clipping.py do.
DERIVATIVE_AT_ACTIVATION = """
def tanh_derivative(x):
    return 1 - x ** 2
"""
CLIP_BY_VALUE = """
def clip_by_global_norm(grads, max_norm):
    if max_norm <= 0:
        raise ValueError("max_norm must be positive")
    norm = global_norm(grads)
    return {name: np.clip(g, -max_norm, max_norm) for name, g in grads.items()}, norm
"""
GRADESCOPE_VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}
# The checks each mistake fails (the rest of its exercise passes): every check of
# the wrong function, since property checks count only when the result is right.
DERIVATIVE_AT_ACTIVATION_FAILS = {f"tanh_derivative.{name}" for name in (
    "values", "numeric", "maximum", "shapes", "unchanged", "hidden")}
CLIP_BY_VALUE_FAILS = {f"clip_by_global_norm.{name}" for name in (
    "values", "returns-norm", "reaches-max-norm", "keeps-direction", "small-unchanged",
    "rejects-nonpositive", "unchanged", "hidden")}


CLASS_EXERCISES = ("activations", "clipping")


def make_course(folder: Path, check_timeout: float = 0.5,
                exercises: tuple[str, ...] = CLASS_EXERCISES) -> Path:
    """A copy of the course whose per-check limit is short, for runaway code, with
    only ``exercises`` (the class tests are about grading, not the cells; the
    cells' checks have tests of their own)."""
    folder.mkdir(parents=True)
    manifest = (ROOT / "course.toml").read_text(encoding="utf-8")
    assert "check_timeout = 3.0" in manifest
    manifest = manifest.replace("check_timeout = 3.0", f"check_timeout = {check_timeout}")
    blocks = re.findall(r'\[\[exercise\]\]\nid = "([a-z_]+)"\n(?:.+\n)*', manifest)
    for exercise_id in set(blocks) - set(exercises):
        manifest = re.sub(rf'\[\[exercise\]\]\nid = "{exercise_id}"\n(?:.+\n)*\n?', "",
                          manifest)
    (folder / "course.toml").write_text(manifest, encoding="utf-8")
    for name in ("solutions", "exercises", "quiz", "notes"):
        shutil.copytree(ROOT / name, folder / name)
    return folder


def solution(exercise: str, extra: str = "") -> str:
    """The reference file, with ``extra`` appended (its definitions win)."""
    text = source_of(exercise)
    return text + ("\n\n# --- the student's version ---\n" + textwrap.dedent(extra)
                   if extra else "")


def stub(exercise: str) -> str:
    return source_of(exercise, "exercises")


def full_class() -> dict[str, str]:
    return {"activations.py": solution("activations"), "clipping.py": solution("clipping")}


def add_folder(submissions: Path, student_id: str, files: dict[str, str]) -> Path:
    folder = submissions / student_id
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def add_zip(submissions: Path, student_id: str, files: dict[str, str],
            top: str | None = None) -> Path:
    path = submissions / f"{student_id}.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(f"{top}/{name}" if top else name, text)
    return path


def points(course, exercise_id: str, failing: set[str] = frozenset(),
           hidden: bool = True) -> float:
    """The score of an exercise whose ``failing`` checks fail and the others
    pass, from the engine's own check weights and the course's points."""
    exercise = course.exercise(exercise_id)
    specs = engine.collect(exercise, include_hidden=hidden)
    unknown = failing - {spec.id for spec in specs}
    assert not unknown, f"no such checks: {unknown}"
    total = sum(spec.weight for spec in specs)
    return exercise.points * sum(s.weight for s in specs if s.id not in failing) / total


def load_course(root: Path):
    return course_module.load(root)


def grade(course_root: Path, submissions: Path, out: Path, *options: str,
          timeout: float = 120, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run `rnncourse grade` as its own process, in its own session, so that no
    signal a student aims at the grader can reach the test run."""
    return subprocess.run(
        [sys.executable, "-m", "rnncourse", "grade", str(submissions), "--out", str(out),
         *options],
        capture_output=True, text=True, timeout=timeout, start_new_session=True,
        env=dict(env or os.environ, RNNCOURSE_HOME=str(course_root)))


def start_grading(course_root: Path, submissions: Path, out: Path, *options: str,
                  env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "rnncourse", "grade", str(submissions), "--out", str(out),
         *options],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        env=dict(env or os.environ, RNNCOURSE_HOME=str(course_root)))


def gradebook_rows(out: Path) -> dict[str, dict]:
    """The current grading of each student, straight from the SQLite file."""
    with sqlite3.connect(out / "gradebook.sqlite") as db:
        db.row_factory = sqlite3.Row
        rows = db.execute("SELECT s.student_id, s.gradings, g.status, g.reason, g.result, "
                          "g.run_id, g.graded_at FROM students s "
                          "JOIN gradings g ON g.id = s.grading_id").fetchall()
    found = {}
    for row in rows:
        data = dict(row)
        data["result"] = json.loads(data["result"]) if data["result"] else None
        found[data["student_id"]] = data
    return found


def finished_count(out: Path) -> int:
    try:
        with sqlite3.connect(f"file:{out / 'gradebook.sqlite'}?mode=ro", uri=True) as db:
            return db.execute("SELECT count(*) FROM students").fetchone()[0]
    except sqlite3.Error:
        return 0


def scores(row: dict) -> dict[str, float]:
    return {e["id"]: e["score"] for e in row["result"]["exercises"]} if row["result"] else {}


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes (to prove nothing was touched)."""
    return {str(path.relative_to(folder)): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def processes_tagged(tag: str) -> list[int]:
    """Processes whose environment holds RNNCOURSE_TEST_TAG=tag (Linux /proc)."""
    found = []
    needle = f"RNNCOURSE_TEST_TAG={tag}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def kill_all(pids: list[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


class Page(HTMLParser):
    """report.html as tables of cell texts, and the chart's bars."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.bars: list[dict] = []
        self.svg_ids: list[str] = []
        self._table: str | None = None
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self._table = attrs.get("id", "")
            self.tables[self._table] = []
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "svg":
            self.svg_ids.append(attrs.get("id", ""))
        elif tag == "rect" and "data-count" in attrs:
            self.bars.append(attrs)

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)

    def rows(self, table: str) -> dict[str, list[str]]:
        """Body rows of a table, by their first cell (header row left out)."""
        return {row[0]: row for row in self.tables[table][1:]}


def assert_gradescope_shape(results: dict) -> None:
    """Gradescope's results.json (its documented specs): a numeric top-level
    score equal to the sum of the tests, execution_time a number, Markdown
    outputs; tests with name, score, max_score, status, output and visibility;
    extra_data objects. A test may score more than its max_score only when
    that is 0 (extra credit)."""
    allowed = {"score", "execution_time", "output", "output_format", "test_output_format",
               "test_name_format", "visibility", "stdout_visibility", "extra_data", "tests",
               "leaderboard"}
    assert set(results) <= allowed, set(results) - allowed
    assert isinstance(results["score"], float | int)
    assert isinstance(results["execution_time"], float | int)
    assert isinstance(results["output"], str)
    assert results["output_format"] == "md" and results["test_output_format"] == "md"
    assert results["visibility"] in GRADESCOPE_VISIBILITY
    assert results["stdout_visibility"] in GRADESCOPE_VISIBILITY
    assert isinstance(results["extra_data"], dict)
    total = 0.0
    for test in results["tests"]:
        assert {"name", "score", "max_score", "status", "output", "visibility"} <= set(test)
        assert isinstance(test["name"], str) and isinstance(test["output"], str)
        assert test["output_format"] == "md" and isinstance(test["extra_data"], dict)
        assert 0 <= test["score"] <= test["max_score"] + 1e-9 or test["max_score"] == 0
        assert test["status"] in ("passed", "failed")
        assert test["visibility"] in GRADESCOPE_VISIBILITY
        total += test["score"]
    assert total == approx(results["score"])
