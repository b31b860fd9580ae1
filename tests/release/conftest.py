"""A student edition released once for the session, from this checkout."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers.course import ROOT

from rnncourse.course import manifest as course_module
from rnncourse.release import build


@dataclass(frozen=True)
class Released:
    out: Path
    report: build.Report


@pytest.fixture(scope="session")
def released(tmp_path_factory) -> Released:
    out = tmp_path_factory.mktemp("release") / "edition"
    report = build.build(course_module.load(ROOT), out)
    return Released(out, report)
