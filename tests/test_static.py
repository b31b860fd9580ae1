"""Static checks, run with the tests so that CI runs them: pyright over the
package (configured in pyproject.toml, [tool.pyright]) reports no error, and
ruff finds nothing in the package, the tests, the benchmarks or the solutions.

pyright comes from the `test` extra (the PyPI package, which fetches pyright
itself from npm on its first run); it must see the extras' packages (nbgrader,
matplotlib) installed, as the README's test command installs them.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYRIGHT = Path(sys.executable).parent / "pyright"


def _pyright_report(output: dict) -> str:
    lines = []
    for item in output.get("generalDiagnostics", []):
        start = item.get("range", {}).get("start", {})
        line, column = start.get("line", -1) + 1, start.get("character", -1) + 1
        where = f"{item.get('file', '?')}:{line}:{column}"
        rule = f" ({item['rule']})" if item.get("rule") else ""
        lines.append(f"{where} - {item.get('severity')}: {item.get('message')}{rule}")
    return "\n".join(lines)


def test_pyright_finds_no_error_in_the_package():
    if not PYRIGHT.is_file():
        pytest.skip(f"pyright is not installed next to {sys.executable} "
                    '(pip install -e ".[test]")')
    done = subprocess.run([str(PYRIGHT), "--project", str(ROOT), "--pythonpath", sys.executable,
                           "--outputjson"],
                          cwd=ROOT, capture_output=True, text=True, timeout=280)
    try:
        output = json.loads(done.stdout[done.stdout.index("{"):])
    except ValueError:
        pytest.fail(f"pyright exited {done.returncode} without a report:\n"
                    f"{done.stdout}\n{done.stderr}")
    summary = output["summary"]
    assert summary["filesAnalyzed"] > 0, f"pyright analysed no file:\n{done.stderr}"
    assert summary["errorCount"] == 0, (
        f"pyright: {summary['errorCount']} errors, {summary['warningCount']} warnings\n"
        f"{_pyright_report(output)}\n{done.stderr}")


def test_ruff_finds_nothing():
    if importlib.util.find_spec("ruff") is None:
        pytest.skip('ruff is not installed (pip install -e ".[test]")')
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache",
                           "grader", "tests", "benchmarks", "solutions"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"ruff check:\n{done.stdout}{done.stderr}"
