"""The course manifest (course.toml): exercises, misconceptions, grading policy.

Everything the CLI knows about exercises comes from here. Loading validates the
whole file and reports the first problem as one line naming the file and key.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from rnncourse.errors import CourseError

MANIFEST = "course.toml"
_ID = re.compile(r"^[a-z][a-z0-9_-]*$")
_SECTION = re.compile(r"^[a-z][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)+$")


@dataclass(frozen=True)
class Policy:
    value_tolerance: float = 1e-8
    gradient_tolerance: float = 1e-6
    check_timeout: float = 3.0
    memory_mb: int = 2048


@dataclass(frozen=True)
class Exercise:
    id: str
    title: str
    file: str
    points: float
    functions: tuple[str, ...]
    notes: str
    optional: bool = False


@dataclass(frozen=True)
class Misconception:
    id: str
    title: str
    hint: str
    notes: str


@dataclass(frozen=True)
class QuizConfig:
    bank: str  # path of the quiz bank, relative to the course folder
    points: float = 0.0  # what a fully right quiz adds to a graded student's score


VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")  # Gradescope's


@dataclass(frozen=True)
class GradescopeConfig:
    """[gradescope]: how the autograder (`rnncourse gradescope build`) grades there."""

    hidden_visibility: str = "after_published"  # when students see the hidden checks
    memory_mb: int = 400  # address-space cap of the student process on Gradescope
    timeout: float = 240.0  # wall-clock seconds for one submission there


@dataclass(frozen=True)
class Course:
    root: Path
    name: str
    title: str
    version: str
    policy: Policy
    exercises: tuple[Exercise, ...]
    misconceptions: dict[str, Misconception] = field(default_factory=dict)
    quiz: QuizConfig | None = None
    gradescope: GradescopeConfig = GradescopeConfig()

    @property
    def manifest(self) -> Path:
        return self.root / MANIFEST

    @property
    def solutions_dir(self) -> Path:
        return self.root / "solutions"

    @property
    def exercises_dir(self) -> Path:
        return self.root / "exercises"

    @property
    def notes_dir(self) -> Path:
        return self.root / "notes"

    @property
    def quiz_bank(self) -> Path:
        """The quiz bank file named by [quiz] bank (the instructor's or a locked copy)."""
        if self.quiz is None:
            raise CourseError(f"{self.manifest}: no [quiz] table, so this course has no quiz")
        return self.root / self.quiz.bank

    @property
    def required_points(self) -> float:
        """The course's maximum for the exercises: optional ones are extra credit."""
        return sum(exercise.points for exercise in self.exercises if not exercise.optional)

    @property
    def exercise_ids(self) -> list[str]:
        return [exercise.id for exercise in self.exercises]

    def exercise(self, exercise_id: str) -> Exercise:
        for exercise in self.exercises:
            if exercise.id == exercise_id:
                return exercise
        raise CourseError(
            f"unknown exercise '{exercise_id}'; valid exercises: {', '.join(self.exercise_ids)}"
        )

    def select(self, exercise_ids: tuple[str, ...] | list[str]) -> list[Exercise]:
        """The exercises named, in course order; all of them when none is named."""
        if not exercise_ids:
            return list(self.exercises)
        wanted = [self.exercise(exercise_id).id for exercise_id in exercise_ids]
        return [exercise for exercise in self.exercises if exercise.id in wanted]

    def misconception(self, misconception_id: str) -> Misconception:
        try:
            return self.misconceptions[misconception_id]
        except KeyError:
            raise CourseError(
                f"{self.manifest}: no [misconception.{misconception_id}] entry"
            ) from None


def find_root(start: Path | None = None) -> Path:
    """The course folder: $RNNCOURSE_HOME, else the nearest folder upwards from
    the working directory holding course.toml, else the checkout this package
    was installed from (editable install)."""
    env = os.environ.get("RNNCOURSE_HOME")
    if env:
        return Path(env).expanduser().resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / MANIFEST).is_file():
            return folder
    checkout = Path(__file__).resolve().parents[3]  # grader/rnncourse/course/
    if (checkout / MANIFEST).is_file():
        return checkout
    raise CourseError(
        f"no {MANIFEST} found in {here} or its parents; run rnncourse inside the course "
        "folder or set RNNCOURSE_HOME"
    )


def load(root: Path | None = None) -> Course:
    root = find_root() if root is None else Path(root).resolve()
    path = root / MANIFEST
    return _parse(root, path, read_toml(path))


def read_toml(path: Path, missing: str = "file not found") -> dict:
    """The TOML file at ``path``; any problem is one CourseError line naming it."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CourseError(f"{path}: {missing}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise CourseError(f"{path}: cannot read ({error})") from None
    except tomllib.TOMLDecodeError as error:
        raise CourseError(f"{path}: not valid TOML ({error})") from None


def _fail(path: Path, where: str, key: str, problem: str) -> CourseError:
    return CourseError(f"{path}: {where}key '{key}': {problem}")


def _parse(root: Path, path: Path, data: dict) -> Course:
    meta = _table(path, data, "course")
    name, title, version = (_string(path, meta, key, "[course] ")
                            for key in ("name", "title", "version"))
    policy = _parse_policy(path, data.get("grading", {}))
    entries = data.get("exercise")
    if not isinstance(entries, list) or not entries:
        raise _fail(path, "", "exercise", "at least one [[exercise]] table is required")
    exercises = tuple(_parse_exercise(path, index, entry) for index, entry in enumerate(entries))
    seen: set[str] = set()
    for exercise in exercises:
        if exercise.id in seen:
            raise _fail(path, "", "exercise.id", f"'{exercise.id}' appears twice")
        seen.add(exercise.id)
    misconceptions = {
        key: _parse_misconception(path, key, value)
        for key, value in _table(path, data, "misconception", required=False).items()
    }
    quiz = _parse_quiz(path, data.get("quiz"))
    gradescope = _parse_gradescope(path, data.get("gradescope", {}))
    return Course(
        root=root,
        name=name,
        title=title,
        version=version,
        policy=policy,
        exercises=exercises,
        misconceptions=misconceptions,
        quiz=quiz,
        gradescope=gradescope,
    )


def _parse_policy(path: Path, table: object) -> Policy:
    if not isinstance(table, dict):
        raise _fail(path, "", "grading", "expected a [grading] table")
    defaults = Policy()
    values = {}
    for key, default in vars(defaults).items():
        value = table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise _fail(path, "[grading] ", key, "expected a positive number")
        values[key] = type(default)(value)
    unknown = set(table) - set(values)
    if unknown:
        raise _fail(path, "[grading] ", sorted(unknown)[0], "unknown setting")
    return Policy(**values)


def _parse_exercise(path: Path, index: int, entry: object) -> Exercise:
    where = f"[[exercise]] #{index + 1} "
    if not isinstance(entry, dict):
        raise _fail(path, "", "exercise", "expected [[exercise]] tables")
    exercise_id = _string(path, entry, "id", where)
    where = f"[[exercise]] '{exercise_id}' "
    if not _ID.match(exercise_id):
        raise _fail(path, where, "id", "use lowercase letters, digits, - and _")
    file = _string(path, entry, "file", where)
    if Path(file).name != file or not file.endswith(".py"):
        raise _fail(path, where, "file", "expected a file name ending in .py")
    points = entry.get("points")
    if isinstance(points, bool) or not isinstance(points, (int, float)) or points <= 0:
        raise _fail(path, where, "points", "expected a positive number")
    functions = entry.get("functions")
    if (
        not isinstance(functions, list)
        or not functions
        or not all(isinstance(name, str) and name.isidentifier() for name in functions)
    ):
        raise _fail(path, where, "functions", "expected a list of function names")
    optional = entry.get("optional", False)
    if not isinstance(optional, bool):
        raise _fail(path, where, "optional", "expected true or false")
    return Exercise(
        id=exercise_id,
        title=_string(path, entry, "title", where),
        file=file,
        points=float(points),
        functions=tuple(functions),
        notes=_section(path, entry, "notes", where),
        optional=optional,
    )


def _parse_misconception(path: Path, key: str, entry: object) -> Misconception:
    where = f"[misconception.{key}] "
    if not isinstance(entry, dict):
        raise _fail(path, "", f"misconception.{key}", "expected a table")
    return Misconception(
        id=key,
        title=_string(path, entry, "title", where),
        hint=_string(path, entry, "hint", where),
        notes=_section(path, entry, "notes", where),
    )


def _parse_quiz(path: Path, table: object) -> QuizConfig | None:
    if table is None:
        return None
    if not isinstance(table, dict):
        raise _fail(path, "", "quiz", "expected a [quiz] table")
    unknown = set(table) - {"bank", "points"}
    if unknown:
        raise _fail(path, "[quiz] ", sorted(unknown)[0], "unknown setting")
    bank = _string(path, table, "bank", "[quiz] ")
    relative = Path(bank)
    if relative.is_absolute() or ".." in relative.parts or relative.suffix != ".toml":
        raise _fail(path, "[quiz] ", "bank",
                    "expected a .toml file inside the course folder, e.g. 'quiz/bank.toml'")
    points = table.get("points", 0.0)
    if isinstance(points, bool) or not isinstance(points, (int, float)) or points < 0:
        raise _fail(path, "[quiz] ", "points", "expected a number >= 0")
    return QuizConfig(bank=relative.as_posix(), points=float(points))


def _parse_gradescope(path: Path, table: object) -> GradescopeConfig:
    if not isinstance(table, dict):
        raise _fail(path, "", "gradescope", "expected a [gradescope] table")
    unknown = set(table) - set(vars(GradescopeConfig()))
    if unknown:
        raise _fail(path, "[gradescope] ", sorted(unknown)[0], "unknown setting")
    defaults = GradescopeConfig()
    visibility = table.get("hidden_visibility", defaults.hidden_visibility)
    if visibility not in VISIBILITIES:
        raise _fail(path, "[gradescope] ", "hidden_visibility",
                    f"expected one of {', '.join(VISIBILITIES)}")
    values: dict = {"hidden_visibility": visibility}
    for key in ("memory_mb", "timeout"):
        value = table.get(key, getattr(defaults, key))
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise _fail(path, "[gradescope] ", key, "expected a positive number")
        values[key] = type(getattr(defaults, key))(value)
    return GradescopeConfig(**values)


def _table(path: Path, data: dict, key: str, required: bool = True) -> dict:
    value = data.get(key)
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise _fail(path, "", key, f"expected a [{key}] table")
    return value


def _string(path: Path, table: dict, key: str, where: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise _fail(path, where, key, "expected a non-empty string")
    return value.strip()


def _section(path: Path, table: dict, key: str, where: str) -> str:
    value = _string(path, table, key, where)
    if not _SECTION.match(value):
        raise _fail(path, where, key, "expected a notes section id like 'lstm.gates'")
    return value
