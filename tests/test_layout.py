"""The package's layering, as its subpackages' docstrings state it: who may
import whom, where click, rich and the optional extras may be imported, and
what a student process holds."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import rnncourse

PACKAGE = Path(rnncourse.__file__).resolve().parent
EVERYTHING = {path.stem if path.is_file() else path.name
              for path in PACKAGE.iterdir() if not path.name.startswith("__")}

# What each part of the package may import from the rest of rnncourse.
ALLOWED = {
    # the sanitiser of student text: the judge's side of the sandbox is where it
    # enters (calls.text), so sandbox may import it; it imports nothing itself
    "untrusted": set(),
    "sandbox": {"untrusted"},
    "errors": set(), "atomic": set(), "filelock": set(), "mistakes": set(), "edition": set(),
    "course": {"errors"},
    "results": {"course", "untrusted"},  # course: a type annotation only
    # edition: a student edition scores with the hidden checks' recorded weights and
    # answers from recorded references (scoring.py, references.py)
    "checking": {"course", "edition", "errors", "results", "sandbox", "untrusted"},
    "checks": {"checking", "course"},
    "quiz": {"atomic", "course", "errors", "untrusted"},
    "reports": {"atomic", "course", "results", "untrusted"},
    "labs": {"atomic", "checking", "sandbox"},
    "grading": {"atomic", "checking", "course", "errors", "filelock", "quiz", "reports",
                "results", "sandbox", "untrusted"},
    "nbgrader": {"atomic", "checking", "course", "errors", "reports", "results", "sandbox"},
    "pytest_plugin": {"checking", "course", "sandbox"},
    "release": {"atomic", "checking", "course", "edition", "errors", "quiz"},
    # the autograder grades through grading/ (judges, seeds, scratch) and writes
    # results with reports/gradescope.py
    "gradescope": {"atomic", "course", "errors", "grading", "reports", "results", "sandbox",
                   "untrusted"},
    "notebook": {"nbgrader"},  # the shim for notebooks generated before the layout
    "cli": EVERYTHING,
    "__main__": {"cli", "sandbox"},
}
# Third-party packages that only some parts may import.
CONFINED = {"click": {"cli"}, "rich": {"cli"}, "matplotlib": {"labs"},
            "nbgrader": {"nbgrader"}, "IPython": {"nbgrader"}}


def imports(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside functions."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def part_of(path: Path, package: Path) -> str:
    relative = path.relative_to(package).parts
    return relative[0] if len(relative) > 1 else path.stem


def violations(package: Path = PACKAGE) -> list[str]:
    found = []
    for path in sorted(package.rglob("*.py")):
        part = part_of(path, package)
        for name in sorted(imports(path)):
            top, _, rest = name.partition(".")
            if top == "rnncourse" and rest:
                target = rest.split(".")[0]
                if target in EVERYTHING and target != part and target not in ALLOWED[part]:
                    found.append(f"{path.relative_to(package)} imports rnncourse.{target}")
            elif top in CONFINED and part not in CONFINED[top]:
                found.append(f"{path.relative_to(package)} imports {top}")
    return sorted(set(found))


def test_every_part_of_the_package_has_a_rule():
    assert EVERYTHING <= set(ALLOWED), EVERYTHING - set(ALLOWED)


def test_every_subpackage_says_what_it_holds_and_may_import():
    for folder in PACKAGE.iterdir():
        if folder.is_dir() and not folder.name.startswith("__"):
            doc = ast.get_docstring(ast.parse((folder / "__init__.py").read_text()))
            assert doc, f"{folder.name}/__init__.py has no docstring"


def test_imports_follow_the_layering():
    assert violations() == []


def test_the_rule_check_catches_a_broken_rule(tmp_path):
    """A sandbox module importing the checks, and one importing rich, are found."""
    copy = tmp_path / "rnncourse"
    (copy / "sandbox").mkdir(parents=True)
    (copy / "sandbox" / "bad.py").write_text(
        "import rich\nfrom rnncourse.checking import engine\n")
    assert violations(copy) == ["sandbox/bad.py imports rich",
                                "sandbox/bad.py imports rnncourse.checking"]


def test_a_student_process_holds_no_checks_solutions_mistakes_click_or_rich(tmp_path):
    """What the fork server loaded, as seen from inside a student process."""
    from rnncourse.sandbox.process import StudentProcess

    probe = tmp_path / "probe.py"
    probe.write_text("import sys\n\ndef modules():\n    return ','.join(sorted(sys.modules))\n")
    with StudentProcess(probe, workdir=tmp_path) as process:
        loaded = set(process.call("modules", (), timeout=30).value.split(","))
    assert "numpy" in loaded and "rnncourse.sandbox.worker" in loaded
    forbidden = [name for name in loaded if name.split(".")[0] in ("click", "rich", "pytest")
                 or name.startswith(("rnncourse.checks", "rnncourse.mistakes",
                                     "rnncourse.checking", "rnncourse.grading",
                                     "rnncourse.course", "rnncourse.cli"))
                 or name in ("activations", "rnn", "lstm", "gru", "clipping")]
    assert forbidden == []


@pytest.mark.skipif(sys.platform != "linux", reason="strict isolation is Linux only")
def test_the_forkserver_entry_point_imports_only_the_sandbox():
    import subprocess

    code = ("import sys\nfrom rnncourse.sandbox import forkserver, landlock, seccomp, worker\n"
            "print(','.join(m for m in sys.modules if m.startswith('rnncourse')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    loaded = set(done.stdout.strip().split(","))
    assert all(name == "rnncourse" or name.startswith("rnncourse.sandbox") for name in loaded)
