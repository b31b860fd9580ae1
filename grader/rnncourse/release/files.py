"""The student edition's own files: README.md, pyproject.toml, course.toml, .gitignore."""

from __future__ import annotations

import json
import re
import tomllib

from rnncourse.course.manifest import Course
from rnncourse.errors import CourseError

SETUP = "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/rnncourse check"
BANK = "quiz/bank.toml"

README = """\
# {title}

The student edition of **{name}**, release `{stamp}`.

Exercises and quizzes on one question: **why do recurrent networks lose their
gradients, and how do LSTM and GRU cells keep them?** You implement the pieces
in numpy — activation derivatives, gradient clipping, RNN, LSTM and GRU steps
forward and backward — and `rnncourse check` tells you, function by function,
what is right, what is off and by how much, and which misconception it
recognises in your code.

Needs Python 3.11 or newer on Linux or macOS (on Windows, use WSL).

## Set-up: one command

In this folder:

<!-- readme-command: install-and-check -->
```bash
{setup}
```

This installs the course into `.venv/` and checks the untouched exercises: every
function says *not implemented yet*, the score is 0 and the exit code is 1.
That is the starting point.

## The student loop

Activate the environment once per terminal (`source .venv/bin/activate`), then:

1. Open a file in `exercises/`, say `exercises/activations.py`. Each function's
   docstring gives the shapes of its inputs and outputs and the equations; a
   `# TODO` says what to compute. Replace the `raise NotImplementedError(...)`
   line with your code.
2. Run `rnncourse check activations` (or `rnncourse check` for everything). A
   failing check says which output is wrong, the relative error and the
   tolerance, and — when the mistake is a known one — its name, a hint and the
   notes section to read. `-v` shows every check.
3. Repeat until everything passes. `rnncourse check --json` prints the same
   results as JSON for scripts.

Along the way:

```bash
rnncourse notes lstm         # read the notes on a topic
rnncourse quiz lstm          # ten questions on it
rnncourse lab vanishing      # watch the gradient fade in your own cells
rnncourse status             # what is done and what is next
```

The [student guide](docs/student-guide.md) explains all of it: the checks, the
labs, the notes and quizzes, answers files, exit codes and the `check --json`
format.

## Handing in

```bash
rnncourse quiz --export quiz_answers.toml   # your latest answer to each quiz question
rnncourse submit --out YOUR_ID.zip          # your exercise files and quiz answers
```

`rnncourse submit` packs exactly what grading reads: the files in
`exercises/`, `quiz_answers.toml` if there is one, and `submission.json`
(which release your files came from). It lists the files you have not
started, which score 0. Hand the zip in the way your instructor says; if they
collect your copy of the course repository instead, commit and push. Keep the
first line of each exercise file as it is: it says which release it came from.

## Jupyter notebooks (nbgrader)

If your course hands out notebooks, their test cells run these same checks.
Install this edition into the Python environment of your Jupyter kernel, from
this folder: `pip install -e .` (or `python3 -m pip install -e .` with that
environment's Python). Nothing else is needed: the test cells run the public
checks and show what passes; the hidden ones run when your notebook is graded.

## What this edition holds

It holds the stubs, the notes, the quiz (its answers locked: stored as salted
hashes), the public checks, and no solution code: no reference
implementation, no hidden checks, no code of the known mistakes. Instead the
checks compare your results with outputs of the reference recorded when this
edition was released, in `grader/rnncourse/edition_data/records.npz`. A
determined student can read the expected outputs for the public checks'
few fixed inputs out of that file, as from any autograder that ships its
tests; nobody can read the code that computes them, and the hidden checks,
which draw fresh random cases when your work is graded, are not in it. Each
check is worth what it is worth in grading; the hidden checks add the rest of
the points.
"""

GITIGNORE = """\
.venv/
__pycache__/
*.egg-info/
build/
.rnncourse/
"""


def readme(course: Course, stamp: str) -> str:
    return README.format(title=course.title, name=course.name, stamp=stamp, setup=SETUP)


def pyproject(course: Course) -> str:
    """The edition's pyproject: the same distribution and command as the course's,
    with the edition's data files."""
    path = course.root / "pyproject.toml"
    try:
        project = tomllib.loads(path.read_text(encoding="utf-8"))["project"]
    except (OSError, KeyError, tomllib.TOMLDecodeError) as error:
        raise CourseError(f"{path}: cannot read its [project] table ({error})") from None
    extras = {name: value for name, value in project.get("optional-dependencies", {}).items()
              if name == "plots"}
    lines = [
        "# The student edition of the course, written by `rnncourse release`.",
        "[build-system]",
        'requires = ["setuptools>=68"]',
        'build-backend = "setuptools.build_meta"',
        "",
        "[project]",
        f"name = {_value(project['name'])}",
        f"version = {_value(project['version'])}",
        f"description = {_value(project.get('description', course.title))}",
        'readme = "README.md"',
        f"requires-python = {_value(project.get('requires-python', '>=3.11'))}",
        f"dependencies = {_value(project.get('dependencies', []))}",
        "",
        "[project.optional-dependencies]",
        *[f"{name} = {_value(value)}" for name, value in extras.items()],
        "",
        "[project.scripts]",
        'rnncourse = "rnncourse.__main__:main"',
        "",
        "[tool.setuptools.packages.find]",
        'where = ["grader"]',
        'include = ["rnncourse*"]',
        "",
        "[tool.setuptools.package-data]",
        'rnncourse = ["edition_data/*"]',
    ]
    return "\n".join(lines) + "\n"


def manifest(course: Course, stamp: str) -> str:
    """The edition's course.toml: what students need (exercises, points, policy,
    misconceptions for hints, the quiz) and nothing else."""
    lines = [f"# The course manifest of the student edition, release {stamp}.", "",
             "[course]", f"name = {_value(course.name)}", f"title = {_value(course.title)}",
             f"version = {_value(course.version)}", "", "[grading]"]
    policy = course.policy
    lines += [f"{key} = {_value(value)}" for key, value in vars(policy).items()]
    if course.quiz is not None:
        quiz = course.quiz
        lines += ["", "[quiz]", f"bank = {_value(BANK)}", f"points = {_value(quiz.points)}"]
        # which questions are graded is the students' to know, not a secret
        lines += [f"{key} = {_value(list(value))}" for key, value in
                  (("questions", quiz.questions), ("topics", quiz.topics)) if value]
        if quiz.per_topic is not None:
            lines += [f"per_topic = {quiz.per_topic}", f"seed = {quiz.seed}"]
        if quiz.answers_after is not None:
            lines.append(f"answers_after = {quiz.answers_after.isoformat()}")
    for exercise in course.exercises:
        lines += ["", "[[exercise]]", f"id = {_value(exercise.id)}",
                  f"title = {_value(exercise.title)}", f"file = {_value(exercise.file)}",
                  f"points = {_value(exercise.points)}",
                  f"functions = {_value(list(exercise.functions))}",
                  f"notes = {_value(exercise.notes)}"]
        if exercise.optional:
            lines.append("optional = true")
    for misconception in course.misconceptions.values():
        lines += ["", f"[misconception.{misconception.id}]",
                  f"title = {_value(misconception.title)}",
                  f"notes = {_value(misconception.notes)}", f"hint = {_value(misconception.hint)}"]
    return "\n".join(lines) + "\n"


def _value(value: object) -> str:
    """A TOML value: JSON's strings, numbers and arrays are valid TOML."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(item) for item in value) + "]"
    return json.dumps(str(value), ensure_ascii=False).replace("\x7f", "\\u007f")


def student_guide(course: Course) -> str | None:
    """docs/student-guide.md, its links to the instructor's guides (not in the
    edition) turned into plain text."""
    path = course.root / "docs" / "student-guide.md"
    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8")
    return re.sub(r"\[([^\]]+)\]\((?:instructor-guide|course-authors|isolation)\.md[^)]*\)",
                  r"\1 (in the instructor's course)", text)
