"""The students a release checks its edition with: right, untouched, and wrong in
every known way, and a few more.

A public check asks the reference different things depending on how far a
student gets, so the release records (and then self-tests) the checks on many
students: the solutions, the stubs, every known mistake written into an
exercise file as a student's code, and for every function one student whose
results are slightly off and one whose arrays have the wrong shape (they take
every check down its failure paths). Students are grouped in rounds: one
folder holding at most one student per exercise, checked in one run.

A mistake student's file carries the solution, the mistakes module and its
helpers as text and runs them there: it needs nothing from the package it is
checked by, so the edition (which has no mistakes) can check it too. These
files hold solution code: they live in a scratch folder, never in the edition.
"""

from __future__ import annotations

import ast
import importlib.util
from dataclasses import dataclass, field
from pathlib import Path

from rnncourse.checking.diagnosis import live_mistakes
from rnncourse.course.loader import reference_module
from rnncourse.course.manifest import Course, Exercise
from rnncourse.errors import CourseError
from rnncourse.release.recording import has_cache


@dataclass
class Round:
    name: str
    folder: Path
    exercises: list[str] = field(default_factory=list)  # ids whose file is in folder
    students: dict[str, str] = field(default_factory=dict)  # exercise id: what is in its file


PRELUDE = '''\
"""Written by rnncourse release, to check its student edition: {what}."""
import sys as _sys
import types as _types


def _module(_name, _source):
    _made = _types.ModuleType(_name)
    _made.__file__ = "<" + _name + ">"
    _sys.modules[_name] = _made
    exec(compile(_source, _made.__file__, "exec"), _made.__dict__)
    return _made


'''

MISTAKE = '''\
{helpers}_solution = _module("rnncourse_release_solution", {solution!r})
_mistakes = _module("rnncourse_release_mistakes", {mistakes!r})
_table = _mistakes.variants(_solution) if hasattr(_mistakes, "variants") else _mistakes.MISTAKES
_wrong = _table[{function!r}][{index}][1]
globals().update({{k: v for k, v in vars(_solution).items() if not k.startswith("__")}})
'''

PLAIN = '''
def {function}(*args):
    return _wrong(*args)
'''

WRONG_FORWARD = '''
def {function}(*args):
    return (*_wrong(*args), _solution.{function}(*args)[-1])
'''

WRONG_BACKWARD = '''
def {forward}(*args):
    out = _solution.{forward}(*args)
    return (*out[:-1], (tuple(a.copy() for a in args), out[-1]))


def {function}(*values):
    *upstream, cache = values
    return _wrong(*cache[0], *upstream)
'''

DISTORTED = '''\
import numpy as _np

_solution = _module("rnncourse_release_solution", {solution!r})
globals().update({{k: v for k, v in vars(_solution).items() if not k.startswith("__")}})


def _distort(value):
    if isinstance(value, _np.ndarray) and value.dtype.kind == "f":
        {array}
    if isinstance(value, float):
        {number}
    if isinstance(value, tuple):
        return tuple(_distort(part) for part in value)
    if isinstance(value, list):
        return [_distort(part) for part in value]
    if isinstance(value, dict):
        return {{key: _distort(part) for key, part in value.items()}}
    return value


def {function}(*args):
    out = _solution.{function}(*args)
    {result}
'''
DISTORTIONS = {
    # results off by a relative 1e-4: wrong to every check, right in shape
    "off": ("return value * (1 + 1e-4) + 1e-4", "return value * (1 + 1e-4) + 1e-4"),
    # one entry too many along the last axis
    # off again, by another amount: for the unseen rounds
    "off again": ("return value * (1 + 3e-4) - 2e-4", "return value * (1 + 3e-4) - 2e-4"),
    "misshapen": ("return _np.concatenate([value, value[..., :1]], axis=-1) if value.ndim "
                  "else _np.array([value, value])", "return _np.array([value, value])"),
}


def rounds(course: Course, scratch: Path) -> list[Round]:
    """The rounds the answers are recorded with, their files written under ``scratch``."""
    everything = [exercise.id for exercise in course.exercises]
    per_exercise = {exercise.id: _mistake_students(course, exercise)
                    for exercise in course.exercises}
    for exercise in course.exercises:
        per_exercise[exercise.id] += _distorted_students(course, exercise, ("off", "misshapen"))
    return [Round("solutions", course.solutions_dir, list(everything)),
            Round("stubs", course.exercises_dir, list(everything)),
            *_group(course, per_exercise, scratch, "round")]


def unseen_rounds(course: Course, scratch: Path) -> list[Round]:
    """Rounds the edition is tested with but no answer was recorded with: wrong
    results nobody handed in before. A check that asks the reference about the
    student's own results (which no record can hold) fails on them."""
    per_exercise = {exercise.id: _distorted_students(course, exercise, ("off again",))
                    for exercise in course.exercises}
    return _group(course, per_exercise, scratch, "unseen round")


def _group(course: Course, per_exercise: dict[str, list[tuple[str, str]]], scratch: Path,
           prefix: str) -> list[Round]:
    """Rounds of at most one student per exercise."""
    found = []
    depth = max((len(students) for students in per_exercise.values()), default=0)
    for number in range(depth):
        name = f"{prefix} {number + 1}"
        round_ = Round(name, scratch / name.replace(" ", "-"))
        round_.folder.mkdir(parents=True)
        for exercise in course.exercises:
            students = per_exercise[exercise.id]
            if number < len(students):
                what, text = students[number]
                (round_.folder / exercise.file).write_text(text, encoding="utf-8")
                round_.exercises.append(exercise.id)
                round_.students[exercise.id] = what
        found.append(round_)
    return found


def _distorted_students(course: Course, exercise: Exercise,
                        distortions: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(f"{exercise.file} with the results of {function} {distortion}",
             _distorted(course, exercise, function, distortion))
            for distortion in distortions for function in exercise.functions]


def _mistake_students(course: Course, exercise: Exercise) -> list[tuple[str, str]]:
    variants = live_mistakes(exercise.id, reference_module(course.solutions_dir, exercise.file))
    if not variants:
        return []
    solution = (course.solutions_dir / exercise.file).read_text(encoding="utf-8")
    mistakes_path = _module_path(f"rnncourse.mistakes.{exercise.id}")
    mistakes = mistakes_path.read_text(encoding="utf-8")
    helpers = "".join(f"_module({name!r}, {_module_path(name).read_text(encoding='utf-8')!r})\n"
                      for name in _mistakes_imports(mistakes))
    students = []
    for function, table in variants.items():
        for index, (misconception, _) in enumerate(table):
            what = f"{exercise.file} with {function} making the mistake {misconception}"
            text = PRELUDE.format(what=what) + MISTAKE.format(
                helpers=helpers, solution=solution, mistakes=mistakes, function=function,
                index=index)
            forward = function[:-len("backward")] + "forward" \
                if function.endswith("backward") else ""
            if has_cache(exercise, function):
                text += WRONG_FORWARD.format(function=function)
            elif forward and has_cache(exercise, forward):
                text += WRONG_BACKWARD.format(function=function, forward=forward)
            else:
                text += PLAIN.format(function=function)
            students.append((what, text))
    return students


def _distorted(course: Course, exercise: Exercise, function: str, distortion: str) -> str:
    solution = (course.solutions_dir / exercise.file).read_text(encoding="utf-8")
    array, number = DISTORTIONS[distortion]
    result = ("return (*_distort(out[:-1]), out[-1])" if has_cache(exercise, function)
              else "return _distort(out)")
    what = f"{exercise.file} with the results of {function} {distortion}"
    return PRELUDE.format(what=what) + DISTORTED.format(
        solution=solution, function=function, array=array, number=number, result=result)


def _module_path(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise CourseError(f"cannot find the module {name}")
    return Path(spec.origin)


def _mistakes_imports(source: str) -> list[str]:
    """The rnncourse.mistakes modules a mistakes module imports, in order."""
    names = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and \
                node.module.startswith("rnncourse.mistakes.") and node.module not in names:
            names.append(node.module)
    return names
