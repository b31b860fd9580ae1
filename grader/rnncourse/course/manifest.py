"""The course manifest (course.toml): exercises, misconceptions, grading policy.

Everything the CLI knows about exercises comes from here. Loading validates the
whole file and reports the first problem as one line naming the file and key.
"""

from __future__ import annotations

import datetime
import difflib
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
    """course.toml's [quiz]: the bank, what the graded quiz is worth, which of the
    bank's questions it holds, and when feedback may show the right answers."""

    bank: str  # path of the quiz bank, relative to the course folder
    points: float = 0.0  # what a fully right quiz adds to a graded student's score
    # The graded questions (quiz/grading.py, graded_questions): exactly ``questions``,
    # or those on ``topics`` (all topics when empty), ``per_topic`` of each drawn
    # with ``seed`` (all of them when None).
    questions: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    per_topic: int | None = None
    seed: int = 0
    # Feedback shows each question's right answer from this moment on (None: never).
    answers_after: datetime.datetime | None = None

    @property
    def selects(self) -> bool:
        """Whether the graded quiz is a part of the bank rather than all of it."""
        return bool(self.questions or self.topics or self.per_topic is not None)

    def answers_shown(self, now: datetime.datetime | None = None) -> bool:
        if self.answers_after is None:
            return False
        return (now or datetime.datetime.now(datetime.UTC)) >= self.answers_after


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
        """The exercises named, by id or by file (``lstm.py``, ``exercises/lstm.py``),
        in course order; all of them when none is named."""
        if not exercise_ids:
            return list(self.exercises)
        wanted = [self._named(name).id for name in exercise_ids]
        return [exercise for exercise in self.exercises if exercise.id in wanted]

    def _named(self, name: str) -> Exercise:
        if name.endswith(".py"):
            file = Path(name).name
            found = next((e for e in self.exercises if e.file == file), None)
            if found is not None:
                return found
            files = [exercise.file for exercise in self.exercises]
            close = difflib.get_close_matches(file, files, n=1)
            raise CourseError(f"no exercise has the file '{name}'"
                              + (f"; did you mean {close[0]}?" if close else "")
                              + f" (exercise files: {', '.join(files)})")
        return self.exercise(name)

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
    where = "[quiz] "
    unknown = set(table) - {"bank", "points", "questions", "topics", "per_topic", "seed",
                            "answers_after"}
    if unknown:
        raise _fail(path, where, sorted(unknown)[0], "unknown setting")
    bank = _string(path, table, "bank", where)
    relative = Path(bank)
    if relative.is_absolute() or ".." in relative.parts or relative.suffix != ".toml":
        raise _fail(path, where, "bank",
                    "expected a .toml file inside the course folder, e.g. 'quiz/bank.toml'")
    points = table.get("points", 0.0)
    if isinstance(points, bool) or not isinstance(points, (int, float)) or points < 0:
        raise _fail(path, where, "points", "expected a number >= 0")
    questions = _names(path, table, "questions", where)
    topics = _names(path, table, "topics", where)
    per_topic = table.get("per_topic")
    if per_topic is not None and (isinstance(per_topic, bool) or not isinstance(per_topic, int)
                                  or per_topic < 1):
        raise _fail(path, where, "per_topic", "expected a whole number >= 1")
    seed = table.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise _fail(path, where, "seed", "expected a whole number")
    if questions and (topics or per_topic is not None):
        raise _fail(path, where, "questions",
                    "choose the graded questions either by id or by topics and per_topic")
    return QuizConfig(bank=relative.as_posix(), points=float(points), questions=questions,
                      topics=topics, per_topic=per_topic, seed=seed,
                      answers_after=_moment(path, table, "answers_after", where))


def _names(path: Path, table: dict, key: str, where: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if (not isinstance(value, list) or not all(isinstance(item, str) and item.strip()
                                               for item in value)):
        raise _fail(path, where, key, "expected a list of names")
    if len(set(value)) != len(value):
        raise _fail(path, where, key, "a name appears twice")
    return tuple(item.strip() for item in value)


def _moment(path: Path, table: dict, key: str, where: str) -> datetime.datetime | None:
    """A TOML date or date-time as an aware moment (local time when it names no offset)."""
    value = table.get(key)
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value if value.tzinfo is not None else value.astimezone()
    if isinstance(value, datetime.date):
        return datetime.datetime.combine(value, datetime.time()).astimezone()
    raise _fail(path, where, key, "expected a TOML date or date-time, e.g. "
                "2025-06-30T23:59:00+02:00 (unquoted)")


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
