"""The release's self-test: the edition, run as students will run it, must give
the full course's public results check by check.

The edition is checked in a Python process of its own whose ``rnncourse`` is
the edition's package (found first on PYTHONPATH), on the same students the
answers were recorded with. A check whose results differ, or that asked for
something not recorded, fails the release, by its id.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from rnncourse.errors import CourseError
from rnncourse.release.students import Round

# Compared check by check: everything a student sees.
FIELDS = ("function", "passed", "points", "max_points", "message", "misconception", "hint",
          "notes", "kind", "hidden")
MAX_LISTED = 20

SCRIPT = r'''
import json, sys
from pathlib import Path

import rnncourse
from rnncourse import edition
from rnncourse.checking import engine
from rnncourse.course import manifest

plan = json.loads(Path(sys.argv[1]).read_text())
here = Path(rnncourse.__file__).resolve()
if edition.student_edition() is None or Path(plan["root"]).resolve() not in here.parents:
    sys.exit(f"the self-test did not run the edition's package but {here}")
course = manifest.load(Path(plan["root"]))
results = {}
for item in plan["rounds"]:
    outcome = engine.run(course, course.select(item["exercises"]), Path(item["folder"]))
    results[item["name"]] = outcome.to_dict()
    print(item["name"], flush=True)
Path(sys.argv[2]).write_text(json.dumps(results))
'''


def run_edition(edition_root: Path, rounds: list[Round], scratch: Path,
                advance: Callable[[], None] = lambda: None) -> dict[str, dict]:
    """{round name: CourseResult.to_dict()} from the edition in ``edition_root``."""
    plan = scratch / "selftest-plan.json"
    out = scratch / "selftest-results.json"
    plan.write_text(json.dumps({"root": str(edition_root), "rounds": [
        {"name": r.name, "folder": str(r.folder), "exercises": r.exercises} for r in rounds]}))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(edition_root / "grader"),
                                        *filter(None, [env.get("PYTHONPATH")])])
    env["RNNCOURSE_HOME"] = str(edition_root)
    env["RNNCOURSE_STATE_DIR"] = str(scratch / "state")
    env.pop("RNNCOURSE_DEBUG", None)
    process = subprocess.Popen([sys.executable, "-c", SCRIPT, str(plan), str(out)],
                               cwd=edition_root, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stderr is not None
    try:
        for _ in process.stdout:
            advance()
        errors = process.stderr.read()
        code = process.wait()
    except BaseException:
        process.kill()
        process.wait()
        raise
    if code != 0:
        last = errors.strip().splitlines()[-1] if errors.strip() else f"exit code {code}"
        raise CourseError(f"the edition's self-test could not run: {last}")
    return json.loads(out.read_text())


def differences(full: dict[str, dict], edition: dict[str, dict],
                rounds: list[Round]) -> tuple[list[str], int, int]:
    """(problems, checks compared, checks left out because one side timed out)."""
    problems: list[str] = []
    compared = skipped = 0
    for round_ in rounds:
        mine, theirs = full[round_.name], edition.get(round_.name)
        if theirs is None:
            problems.append(f"{round_.name}: the edition gave no results")
            continue
        exercises = {e["id"]: e for e in theirs["exercises"]}
        for exercise in mine["exercises"]:
            other = exercises.get(exercise["id"])
            student = round_.students.get(exercise["id"], round_.name)
            if other is None:
                problems.append(f"exercise {exercise['id']}: missing from the edition")
                continue
            checks = {c["id"]: c for c in other["checks"]}
            for check in exercise["checks"]:
                got = checks.pop(check["id"], None)
                if got is None:
                    problems.append(f"check {check['id']}: missing from the edition")
                    continue
                if "timeout" in (check["kind"], got["kind"]):
                    skipped += 1
                    continue
                compared += 1
                problem = _difference(check, got)
                if problem:
                    problems.append(f"check {check['id']}: {problem} (student: {student})")
            problems += [f"check {check_id}: in the edition only (a hidden check left in?)"
                         for check_id in checks]
            if not problems and (exercise["max_score"] != other["max_score"]):
                problems.append(f"exercise {exercise['id']}: worth {other['max_score']} in the "
                                f"edition, {exercise['max_score']} in the full course")
    unique = list(dict.fromkeys(problems))
    return unique, compared, skipped


def _difference(full: dict, edition: dict) -> str | None:
    if edition["kind"] == "internal" and full["kind"] != "internal":
        return f"the edition could not decide it: {edition['message']}"
    for field in FIELDS:
        if full.get(field) != edition.get(field):
            return (f"{field} is {edition.get(field)!r} in the edition, {full.get(field)!r} in "
                    "the full course")
    return None
