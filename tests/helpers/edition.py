"""Running the full course and a student edition side by side: the edition's
own package (first on PYTHONPATH), not this checkout's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from helpers.course import ROOT

EDITION_DATA = Path("grader") / "rnncourse" / "edition_data"


def edition_env(edition: Path, **extra: str) -> dict:
    env = {key: value for key, value in os.environ.items()
           if key not in ("RNNCOURSE_HOME", "PYTHONPATH", "RNNCOURSE_DEBUG")}
    env["PYTHONPATH"] = str(edition / "grader")
    # the session's one edition is inspected file by file by other tests
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra)
    return env


def run_edition(edition: Path, *args: str, cwd: Path | None = None,
                timeout: float = 300) -> subprocess.CompletedProcess:
    """`rnncourse ARGS` with the edition's package, in the edition's folder."""
    return subprocess.run([sys.executable, "-m", "rnncourse", *args], cwd=cwd or edition,
                          env=edition_env(edition), capture_output=True, text=True,
                          timeout=timeout)


def run_full(*args: str, cwd: Path = ROOT, timeout: float = 300) -> subprocess.CompletedProcess:
    """`rnncourse ARGS` in the instructor's full course."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("PYTHONPATH", "RNNCOURSE_DEBUG")}
    env["RNNCOURSE_HOME"] = str(ROOT)
    return subprocess.run([sys.executable, "-m", "rnncourse", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def check_json(done: subprocess.CompletedProcess) -> dict:
    assert done.returncode in (0, 1), done.stdout + done.stderr
    return json.loads(done.stdout)


SEEN = ("id", "passed", "points", "max_points", "message", "misconception", "hint", "kind")


def by_check(result: dict) -> dict[str, dict]:
    """{check id: what a student sees of it} of a `check --json` output."""
    return {check["id"]: {key: check[key] for key in SEEN}
            for exercise in result["exercises"] for check in exercise["checks"]}
