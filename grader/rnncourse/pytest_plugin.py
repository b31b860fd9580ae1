"""Run the course's checks under pytest itself.

    pytest -p rnncourse.pytest_plugin --rnncourse-dir exercises grader/checks

Check modules are ordinary pytest modules; this plugin collects them and
provides their fixtures (student, reference, policy, rng). `rnncourse check`
runs the same functions with the same fixtures through its own small runner
(engine.py), which starts in a fraction of pytest's time and never shows
pytest output to students. Useful for course authors writing checks: -x, -k,
--pdb and pytest's assertion messages all work.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rnncourse.checking import Student, references
from rnncourse.course import manifest as course_module
from rnncourse.sandbox.process import StudentProcess

CHECKS_DIR = Path(__file__).resolve().parent / "checks"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("rnncourse")
    group.addoption("--rnncourse-dir", default=None,
                    help="folder of exercise files to check (default: the course's exercises/)")
    group.addoption("--rnncourse-hidden", action="store_true",
                    help="also run the hidden checks")


def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    if file_path.parent.resolve() == CHECKS_DIR and file_path.suffix == ".py" \
            and file_path.stem != "__init__":
        return pytest.Module.from_parent(parent, path=file_path)
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list) -> None:
    hidden = config.getoption("--rnncourse-hidden")
    for item in items:
        spec = getattr(getattr(item, "function", None), "__rnncourse_check__", None)
        if spec is None:
            continue
        item.user_properties.append(("check", spec.id))
        if spec.hidden and not hidden:
            item.add_marker(pytest.mark.skip(reason="hidden check (use --rnncourse-hidden)"))


@pytest.fixture(scope="session")
def rnncourse_course():
    return course_module.load()


def _exercise(request, course):
    return course.exercise(Path(request.module.__file__).stem)


@pytest.fixture(scope="module")
def rnncourse_process(request, rnncourse_course):
    exercise = _exercise(request, rnncourse_course)
    folder = request.config.getoption("--rnncourse-dir")
    directory = Path(folder) if folder else rnncourse_course.exercises_dir
    with StudentProcess(directory / exercise.file, rnncourse_course.policy.memory_mb) as process:
        yield process


@pytest.fixture
def student(request, rnncourse_course, rnncourse_process):
    rnncourse_process.reset()
    return Student(rnncourse_process, _exercise(request, rnncourse_course).id,
                   rnncourse_course.policy.check_timeout)


@pytest.fixture
def reference(request, rnncourse_course):
    exercise = _exercise(request, rnncourse_course)
    return references.reference(rnncourse_course, exercise)


@pytest.fixture
def policy(rnncourse_course):
    return rnncourse_course.policy


@pytest.fixture
def rng(request):
    spec = request.function.__rnncourse_check__
    return np.random.default_rng(None if spec.hidden else spec.seed)
