"""course.toml: the real one is valid and consistent with the code; broken ones
give one line naming the file and the key."""

import shutil

import pytest
from helpers.course import ROOT

from rnncourse.checking import engine
from rnncourse.course import manifest as course_module
from rnncourse.course.loader import reference_module
from rnncourse.errors import CourseError


def test_every_exercise_has_checks_solution_and_listed_functions(course):
    for exercise in course.exercises:
        specs = engine.collect(exercise)
        assert specs, exercise.id
        assert {spec.function for spec in specs} == set(exercise.functions), exercise.id
        assert len({spec.id for spec in specs}) == len(specs), "check ids must be unique"
        solution = reference_module(course.solutions_dir, exercise.file)
        for function in exercise.functions:
            assert callable(getattr(solution, function)), f"{exercise.file}: {function}"


def test_every_misconception_the_code_names_is_in_course_toml(course):
    import re

    from rnncourse.checking import known_mistakes

    for exercise in course.exercises:
        reference = reference_module(course.solutions_dir, exercise.file)
        mistakes = known_mistakes(exercise.id, reference)
        assert mistakes, exercise.id
        for function, variants in mistakes.items():
            assert function in exercise.functions
            for misconception, _ in variants:
                assert misconception in course.misconceptions, misconception
        source = (ROOT / "grader" / "rnncourse" / "checks" / f"{exercise.id}.py").read_text()
        for misconception in re.findall(r'misconception="([a-z0-9-]+)"', source):
            assert misconception in course.misconceptions, misconception
    cells = (ROOT / "grader" / "rnncourse" / "checking" / "recurrent.py").read_text()
    for misconception in re.findall(r'misconception="([a-z0-9-]+)"', cells):
        assert misconception in course.misconceptions, misconception


def write_manifest(tmp_path, text):
    (tmp_path / "course.toml").write_text(text, encoding="utf-8")
    return tmp_path


REAL = (ROOT / "course.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize("text, expected", [
    ("[course\nname=1", "not valid TOML"),
    (REAL.replace('name = "rnncourse"\n', ""), "[course] key 'name': expected a non-empty string"),
    (REAL.replace("points = 10\n", "points = -1\n", 1),
     "[[exercise]] 'activations' key 'points': expected a positive number"),
    (REAL.replace('file = "clipping.py"', 'file = "../clipping.py"'),
     "[[exercise]] 'clipping' key 'file': expected a file name ending in .py"),
    (REAL.replace("check_timeout = 3.0", "check_timeout = \"soon\""),
     "[grading] key 'check_timeout': expected a positive number"),
    (REAL.replace('notes = "remedies.clipping"', 'notes = "Clipping!"', 1),
     "key 'notes': expected a notes section id"),
    (REAL.replace('id = "clipping"', 'id = "activations"'),
     "key 'exercise.id': 'activations' appears twice"),
])
def test_malformed_manifest_names_file_and_key(tmp_path, text, expected):
    root = write_manifest(tmp_path, text)
    with pytest.raises(CourseError) as caught:
        course_module.load(root)
    message = str(caught.value)
    assert message.startswith(str(tmp_path / "course.toml"))
    assert expected in message and "\n" not in message


def test_missing_manifest(tmp_path):
    with pytest.raises(CourseError, match="course.toml: file not found"):
        course_module.load(tmp_path)


def test_root_is_found_from_a_subfolder(tmp_path, monkeypatch):
    shutil.copy(ROOT / "course.toml", tmp_path / "course.toml")
    (tmp_path / "deep" / "er").mkdir(parents=True)
    monkeypatch.delenv("RNNCOURSE_HOME", raising=False)
    monkeypatch.chdir(tmp_path / "deep" / "er")
    assert course_module.find_root() == tmp_path.resolve()


def test_unknown_exercise_lists_the_valid_ones(course):
    with pytest.raises(CourseError, match="unknown exercise 'lsmt'; valid exercises: activations"):
        course.select(["lsmt"])
