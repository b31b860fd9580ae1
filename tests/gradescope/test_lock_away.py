"""The autograder's second lock, for kernels without Landlock: as root it makes
its own files mode 000, and root without capabilities (what a student process
is, after sandbox/seccomp.drop_capabilities) cannot open them."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from rnncourse.gradescope import autograder

TRY = """
import sys
from rnncourse.sandbox import seccomp
assert seccomp.drop_capabilities()
found = []
for path in sys.argv[1:]:
    try:
        open(path).read()
        found.append(path)
    except OSError:
        pass
print(" ".join(found))
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="Gradescope runs the autograder as root")
def test_root_without_capabilities_cannot_open_what_the_autograder_locked(tmp_path):
    secret = tmp_path / "source" / "course" / "grading-secret.key"
    secret.parent.mkdir(parents=True)
    secret.write_text("secret")
    for name in (autograder.SUBMISSION, "results"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "file").write_text("x")
    (tmp_path / autograder.METADATA).write_text("{}")
    (tmp_path / "venv").mkdir()
    (tmp_path / "venv" / "lib.py").write_text("kept readable")
    targets = [str(secret), str(tmp_path / autograder.SUBMISSION / "file"),
               str(tmp_path / "results" / "file"), str(tmp_path / autograder.METADATA)]
    readable = str(tmp_path / "venv" / "lib.py")

    def opened() -> list[str]:
        done = subprocess.run([sys.executable, "-c", TRY, *targets, readable],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout.split()

    assert opened() == [*targets, readable]  # without the lock, root reads them all
    assert autograder.lock_away(tmp_path) == ["source", autograder.SUBMISSION,
                                              autograder.METADATA, "results"]
    assert opened() == [readable]
    assert secret.read_text() == "secret"  # root with its capabilities (the judge) still can
