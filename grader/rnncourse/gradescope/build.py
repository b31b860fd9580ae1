"""`rnncourse gradescope build OUT.zip`: Gradescope's autograder zip.

At the zip's root, as Gradescope wants it: setup.sh (run once when Gradescope
builds the image: a venv, the pinned requirements, the wheel; it fails fast,
naming what failed), run_autograder (per submission: the autograder module,
and results.json even when Python itself cannot start), requirements.txt (the
exact versions of rnncourse's dependencies installed here), wheels/ (this
course's rnncourse, built with ``pip wheel . --no-deps``: the instructor's
package, hidden checks included) and course/ (course.toml, solutions/, the
quiz bank, the notes, the student guide and the course secret). No conda, no
browser, no LaTeX.

The zip is written whole (beside OUT, then renamed) and, unless asked not to,
only after its self-test passed (selftest.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import rnncourse
from rnncourse.course import secret as seeds
from rnncourse.course.manifest import Course
from rnncourse.course.stamp import STUDENT_GUIDE, course_stamp
from rnncourse.errors import CourseError

PROJECT = Path(rnncourse.__file__).resolve().parents[2]  # grader/rnncourse/ -> the checkout
COURSE = "course"
WHEELS = "wheels"
REQUIREMENTS = "requirements.txt"
EXECUTABLE = {"setup.sh", "run_autograder"}

SETUP = r"""#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder's image
# (written by `rnncourse gradescope build`). It makes a venv in
# $AUTOGRADER_ROOT/venv with Python 3.11 or newer: the image's own when it is
# new enough (Ubuntu 24.04: 3.12), else python3.11 from apt (Ubuntu 22.04,
# whose python3 is 3.10); then installs the pinned requirements (binary
# wheels only) and this course's rnncourse, and checks that it starts.
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"
started=$(date +%s)
fail() { echo "setup.sh: FAILED: $*" >&2; exit 1; }

new_enough() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; }
apt_install() {
  command -v apt-get >/dev/null || fail "no apt-get to install $*"
  echo "setup.sh: installing $* with apt"
  apt-get update -qq >/dev/null || fail "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null \
    || fail "apt-get could not install $*"
}

PYTHON=""
for candidate in python3.13 python3.12 python3.11 python3; do
  if command -v "$candidate" >/dev/null && new_enough "$candidate"; then
    PYTHON=$(command -v "$candidate"); break
  fi
done
if [ -z "$PYTHON" ]; then
  apt_install python3.11 python3.11-venv
  PYTHON=$(command -v python3.11) || fail "python3.11 is not on PATH after installing it"
fi
VERSION=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
echo "setup.sh: Python $VERSION ($PYTHON)"
if ! "$PYTHON" -m venv --clear "$ROOT/venv" >/dev/null 2>&1; then
  apt_install "python$VERSION-venv"
  "$PYTHON" -m venv --clear "$ROOT/venv" || fail "python$VERSION -m venv failed"
fi
PIP=("$ROOT/venv/bin/python" -m pip --disable-pip-version-check --no-input)
"${PIP[@]}" install --quiet --only-binary :all: --requirement "$SOURCE/requirements.txt" \
  || fail "pip could not install the pinned requirements ($SOURCE/requirements.txt)"
"${PIP[@]}" install --quiet --no-deps "$SOURCE"/wheels/*.whl \
  || fail "pip could not install the rnncourse wheel"
"$ROOT/venv/bin/python" -m rnncourse.gradescope.autograder --check \
  || fail "the installed autograder does not start"
echo "setup.sh: ready in $(( $(date +%s) - started )) s"
"""

RUN_AUTOGRADER = r"""#!/usr/bin/env bash
# Gradescope runs this, as root, for every submission (written by
# `rnncourse gradescope build`). The autograder writes results.json itself;
# if Python cannot even start, this script writes one that says so.
ROOT="${AUTOGRADER_ROOT:-/autograder}"
export AUTOGRADER_ROOT="$ROOT"
cd "$ROOT" || exit 0
"$ROOT/venv/bin/python" -m rnncourse.gradescope.autograder
code=$?
if [ ! -s "$ROOT/results/results.json" ]; then
  mkdir -p "$ROOT/results"
  cat > "$ROOT/results/results.json" <<EOF
{"score": 0.0,
 "output": "The autograder could not start (exit code $code): not your code's fault.",
 "output_format": "md",
 "tests": [{"name": "Autograder error", "score": 0.0, "max_score": 0.0, "status": "failed",
            "output": "the autograder could not start (exit code $code); see its stdout",
            "output_format": "md", "visibility": "visible"}]}
EOF
fi
exit 0
"""


@dataclass
class Built:
    """What build() made."""

    path: Path
    stamp: str
    files: int
    size: int
    requirements: list[str]
    secret_created: bool
    seconds: float
    selftest: list = field(default_factory=list)  # selftest.Outcome, one per submission


class BuildFailed(Exception):
    """The zip failed its self-test: exit 1, nothing written."""

    def __init__(self, summary: str, details: list[str]) -> None:
        super().__init__(summary)
        self.summary = summary
        self.details = details


def validate(course: Course, out: Path) -> None:
    """Bad input, before anything is done: CourseError (one line, exit 2)."""
    if out.suffix.lower() != ".zip":
        raise CourseError(f"{out}: the autograder must be a .zip file (OUT.zip)")
    if not out.parent.is_dir():
        raise CourseError(f"{out.parent}: folder does not exist")
    if out.exists() and not out.is_file():
        raise CourseError(f"{out}: exists and is not a file")
    if not (PROJECT / "pyproject.toml").is_file():
        raise CourseError(f"{PROJECT}: no pyproject.toml; the autograder is built from the "
                          "course's own checkout (pip install -e .)")


def requirements() -> list[str]:
    """``name==version`` of every distribution rnncourse needs to run, as installed
    here (its dependencies and theirs; no extras)."""
    from packaging.requirements import Requirement

    pinned: dict[str, str] = {}
    pending = [Requirement(text) for text in metadata.requires("rnncourse") or []]
    while pending:
        requirement = pending.pop()
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue
        name = requirement.name.lower().replace("_", "-")
        if name in pinned:
            continue
        try:
            distribution = metadata.distribution(requirement.name)
        except metadata.PackageNotFoundError:
            raise CourseError(f"{requirement.name}, which rnncourse needs, is not installed "
                              "here; install the course first (pip install -e .)") from None
        pinned[name] = distribution.version
        pending += [Requirement(text) for text in distribution.requires or []]
    return [f"{name}=={version}" for name, version in sorted(pinned.items())]


def course_files(course: Course) -> list[tuple[Path, str]]:
    """(file, name in the zip) for the course's part of the autograder: what
    the judges read and what the course's stamp covers."""
    files = [(course.manifest, "course.toml"), (seeds.path(course), seeds.FILE)]
    files += [(path, f"solutions/{path.relative_to(course.solutions_dir).as_posix()}")
              for path in sorted(course.solutions_dir.rglob("*.py"))  # helpers too
              if "__pycache__" not in path.parts]
    if course.quiz is not None:
        files.append((course.quiz_bank, course.quiz.bank))
    if course.notes_dir.is_dir():
        files += [(path, path.relative_to(course.root).as_posix())
                  for path in sorted(course.notes_dir.rglob("*")) if path.is_file()
                  and "__pycache__" not in path.parts and not path.name.startswith(".")]
    if (course.root / STUDENT_GUIDE).is_file():
        files.append((course.root / STUDENT_GUIDE, STUDENT_GUIDE.as_posix()))
    return [(path, f"{COURSE}/{name}") for path, name in files]


def wheel(folder: Path) -> Path:
    """This course's rnncourse as a wheel (``pip wheel . --no-deps``)."""
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", str(PROJECT), "--no-deps",
                           "--quiet", "--disable-pip-version-check", "--wheel-dir", str(folder)],
                          capture_output=True, text=True, cwd=PROJECT)
    built = sorted(folder.glob("rnncourse-*.whl"))
    if done.returncode != 0 or len(built) != 1:
        last = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]
        raise CourseError(f"pip wheel could not build rnncourse from {PROJECT}: {last}")
    return built[0]


def write_zip(course: Course, path: Path, scratch: Path) -> tuple[int, list[str]]:
    """Write the autograder zip to ``path``; (files, pinned requirements)."""
    pins = requirements()
    built = wheel(scratch / WHEELS)
    entries: list[tuple[str, bytes]] = [
        ("setup.sh", SETUP.encode()), ("run_autograder", RUN_AUTOGRADER.encode()),
        (REQUIREMENTS, ("\n".join(pins) + "\n").encode()),
        (f"{WHEELS}/{built.name}", built.read_bytes())]
    entries += [(name, source.read_bytes()) for source, name in course_files(course)]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (0o100755 if name in EXECUTABLE else 0o100644) << 16
            archive.writestr(info, data)
    return len(entries), pins


def build(course: Course, out: Path, self_test: bool = True, progress=None) -> Built:
    """Write the autograder to ``out`` (self-tested unless ``self_test`` is False).
    Raises CourseError on bad input, BuildFailed when the self-test fails."""
    from rnncourse.gradescope import selftest

    started = time.monotonic()
    out = Path(out).resolve()
    validate(course, out)
    _, created = seeds.ensure(course)
    scratch = Path(tempfile.mkdtemp(prefix="rnncourse-gradescope-"))
    temporary = out.with_name(f".{out.name}.{os.getpid()}.{os.urandom(3).hex()}.tmp")
    try:
        count, pins = write_zip(course, temporary, scratch)
        outcomes = []
        if self_test:
            outcomes = selftest.run(course, temporary, scratch / "selftest", progress)
            problems = selftest.problems(outcomes)
            if problems:
                raise BuildFailed("the autograder failed its self-test; nothing was written",
                                  [outcome.line() for outcome in outcomes] + problems)
        size = temporary.stat().st_size
        os.replace(temporary, out)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return Built(out, course_stamp(course), count, size, pins, created,
                 time.monotonic() - started, outcomes)
