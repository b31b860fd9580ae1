"""The self-audit: nothing secret in a folder handed to students.

It scans every file (inside zip and tar archives too, and the printable runs
of binary files) for what the full course keeps from students:

- a line of a solution region (``### BEGIN SOLUTION`` .. ``### END SOLUTION``);
- a line of the source of a hidden check, or of what only hidden checks use;
- a line of a known-mistakes module (rnncourse/mistakes/);
- a quiz bank that is not locked, a question's plain explanation, or a
  question id followed by its right answer (an answer key);
- the instructor's course path;
- the course secret of the hidden checks' seeds (course/secret.py), its file
  or its value.

Lines are compared whitespace-normalised (a trailing comment set aside).
Lines shorter than ``MIN_LENGTH`` are too generic to tell anything, and so are
lines that the course shows students anyway: the stubs, the notes, the
student guide, the manifest and the quiz's questions, and the public checks.
"""

from __future__ import annotations

import ast
import inspect
import io
import json
import re
import tarfile
import tomllib
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from rnncourse.checking.spec import collect
from rnncourse.course import secret as course_secret
from rnncourse.course.manifest import Course
from rnncourse.course.stubs import BEGIN, END
from rnncourse.errors import CourseError
from rnncourse.quiz import grading as quiz
from rnncourse.quiz.bank import AnswerError, Bank, parse_answer
from rnncourse.release import strip

MIN_LENGTH = 20
MAX_DEPTH = 3  # archives inside archives
PACKAGE = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what}"


@dataclass
class Secrets:
    lines: dict[str, str] = field(default_factory=dict)  # normalised line: what it is
    explanations: dict[str, str] = field(default_factory=dict)  # normalised text: question
    bank: Bank | None = None
    paths: list[str] = field(default_factory=list)


def normalised(line: str) -> list[str]:
    """A line as compared: whitespace collapsed; and its code without a trailing comment."""
    text = " ".join(line.split())
    forms = [text]
    hash_at = text.find("#")
    if hash_at > 0 and not any(quote in text[:hash_at] for quote in "'\""):
        code = text[:hash_at].rstrip()
        if code:
            forms.append(code)
    return forms


def _telling(text: str) -> bool:
    return len(text) >= MIN_LENGTH


def secrets(course: Course) -> Secrets:
    """What must not leave the full course, from the course itself."""
    found = Secrets(paths=sorted({str(course.root), str(course.root.resolve())}, key=len,
                                 reverse=True))
    sources = _package_sources()
    stripped = strip.strip_package(sources)
    shipped = [source for name, source in sources.items()
               if name not in stripped and not name.startswith("rnncourse.mistakes")]
    public = _public_lines(course, shipped)
    # What stays of the stripped modules is public too, but only where no hidden
    # check could hide: for telling solution and mistakes lines apart.
    kept = {form for module in stripped.values() for line in module.source.splitlines()
            for form in normalised(line)}

    def add(text: str, what: str, also_public: set[str] | frozenset = frozenset()) -> None:
        for line in text.splitlines():
            for form in normalised(line):
                if _telling(form) and form not in public and form not in also_public:
                    found.lines.setdefault(form, what)

    for exercise in course.exercises:
        path = course.solutions_dir / exercise.file
        add(_solution_regions(path), f"a line of a solution ({path.name})", kept)
        for spec in collect(exercise):
            if spec.hidden:
                add(_source(spec.test), f"the source of the hidden check {spec.id}")
    for name, source in sources.items():
        if name.startswith("rnncourse.mistakes"):
            add(source, f"the source of the known mistakes ({name})", kept)
    for name, module in stripped.items():
        left = set(module.source.splitlines())
        removed = "\n".join(line for line in sources[name].splitlines() if line not in left)
        # what the stripper took out and nothing public holds (a line it took out in
        # one place and kept in another is not telling)
        add(removed, f"the source of a hidden check ({name})",
            {form for line in left for form in normalised(line)})
    value = course_secret.read(course)
    if value is not None:
        found.lines[value.hex()] = f"the course secret ({course_secret.FILE})"
    if course.quiz is not None:
        bank = quiz.load_bank(course)
        if not bank.locked:
            found.bank = bank
            for question in bank.questions:
                text = " ".join(question.explanation.split())
                if _telling(text):
                    found.explanations[text[:120]] = question.id
    return found


def _source(function: object) -> str:
    try:
        return inspect.getsource(function)  # type: ignore[arg-type]
    except (OSError, TypeError):
        return ""


def _solution_regions(path: Path) -> str:
    inside, lines = False, []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() == BEGIN:
            inside = True
        elif line.strip() == END:
            inside = False
        elif inside:
            lines.append(line)
    return "\n".join(lines)


def _package_sources() -> dict[str, str]:
    sources = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        sources[name] = path.read_text(encoding="utf-8")
    return sources


def _public_lines(course: Course, shipped: list[str]) -> set[str]:
    """Lines the course shows students by design: not secrets, even when a secret
    source holds them too. ``shipped``: the sources of the package's modules that
    go to students as they are."""
    texts = list(shipped)
    for exercise in course.exercises:
        stub = course.exercises_dir / exercise.file
        if stub.is_file():
            texts.append(stub.read_text(encoding="utf-8"))
        for spec in collect(exercise):
            if not spec.hidden:
                texts.append(_source(spec.test))
    if course.notes_dir.is_dir():
        texts += [path.read_text(encoding="utf-8", errors="replace")
                  for path in sorted(course.notes_dir.rglob("*.md"))]
    for extra in (course.manifest, course.root / "docs" / "student-guide.md"):
        if extra.is_file():
            texts.append(extra.read_text(encoding="utf-8"))
    if course.quiz is not None and course.quiz_bank.is_file():
        bank = quiz.load_bank(course)
        for question in bank.questions:
            texts += [question.prompt, question.code or "", *question.choices]
    return {form for text in texts for line in text.splitlines() for form in normalised(line)}


# ----------------------------------------------------------------------------
# Scanning


def audit(folder: Path, found: Secrets) -> list[Finding]:
    """Every secret in ``folder``, by file and line."""
    folder = Path(folder)
    if not folder.is_dir():
        raise CourseError(f"{folder}: not a folder")
    answers = _answer_pattern(found.bank)
    findings: list[Finding] = []
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            name = path.relative_to(folder).as_posix()
            if path.name == course_secret.FILE:
                findings.append(Finding(name, 0, "a course secret (it decides every hidden "
                                                 "case: never hand it out)"))
            try:
                data = path.read_bytes()
            except OSError as error:
                findings.append(Finding(name, 0, f"cannot be read ({error.strerror})"))
                continue
            findings += _scan(name, data, found, answers, 0)
    return findings


def _scan(name: str, data: bytes, found: Secrets, answers: re.Pattern | None,
          depth: int) -> list[Finding]:
    members = _members(name, data) if depth < MAX_DEPTH else None
    if members is not None:
        return [finding for member, content in members
                for finding in _scan(f"{name}!{member}", content, found, answers, depth + 1)]
    try:
        text = data.decode("utf-8")
        lines = text.splitlines()
    except UnicodeDecodeError:
        unpacked = _inflate(data)
        if unpacked is not None and depth < MAX_DEPTH:
            return _scan(name + "!(zlib)", unpacked, found, answers, depth + 1)
        text = data.decode("latin-1")
        lines = re.split(r"[^\x20-\x7e\t]+", text)  # the printable runs of binary data
    findings = []
    for number, line in enumerate(lines, start=1):
        for form in normalised(line):
            what = found.lines.get(form)
            if what:
                findings.append(Finding(name, number, what))
                break
        for path in found.paths:
            if len(path) > 4 and path in line:
                findings.append(Finding(name, number, f"the instructor's course path ({path})"))
                break
        if answers is not None and found.bank is not None:
            findings += _answer_findings(name, number, line, answers, found.bank)
    collapsed = " ".join(text.split())
    for explanation, question in found.explanations.items():
        if explanation in collapsed:
            findings.append(Finding(name, _line_of(text, explanation.split()[0]),
                                    f"the plain explanation of quiz question {question}"))
    if name.endswith(".toml"):
        findings += _bank_findings(name, text)
    return findings


def _members(name: str, data: bytes) -> list[tuple[str, bytes]] | None:
    """The files of an archive (zip, npz, whl, tar, tar.gz), or None if ``data`` is not one."""
    if data[:4] == b"PK\x03\x04" or data[:4] == b"PK\x05\x06":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                return [(info.filename, archive.read(info)) for info in archive.infolist()
                        if not info.is_dir()]
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, zlib.error):
            return None
    if name.endswith((".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")):
        try:
            with tarfile.open(fileobj=io.BytesIO(data)) as archive:
                return [(member.name, extracted.read()) for member in archive.getmembers()
                        if member.isfile() and (extracted := archive.extractfile(member))]
        except (tarfile.TarError, OSError, EOFError, zlib.error):
            return None
    return None


def _inflate(data: bytes) -> bytes | None:
    """zlib data (git's loose objects, say), inflated; else None."""
    if data[:1] != b"\x78":
        return None
    try:
        return zlib.decompress(data)
    except zlib.error:
        return None


def _line_of(text: str, word: str) -> int:
    at = text.find(word)
    return text.count("\n", 0, at) + 1 if at >= 0 else 1


def _bank_findings(name: str, text: str) -> list[Finding]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return []
    questions = data.get("question")
    if not isinstance(questions, list) or not questions:
        return []
    line = _line_of(text, "[[question]]")
    if "lock" not in data:
        return [Finding(name, line, "a quiz bank that is not locked (it holds the answers)")]
    if any(isinstance(q, dict) and ("answer" in q or "explanation" in q) for q in questions):
        return [Finding(name, line, "a locked quiz bank with plain answers in it")]
    return []


def _answer_pattern(bank: Bank | None) -> re.Pattern | None:
    if bank is None or not bank.questions:
        return None
    ids = "|".join(re.escape(question.id) for question in sorted(
        bank.questions, key=lambda question: -len(question.id)))
    value = r"""\[[^\]]*\]|"[^"]*"|'[^']*'|[-+]?[0-9][0-9.eE+-]*|true|false|True|False"""
    return re.compile(rf"""(?<![\w-])["']?(?P<id>{ids})["']?\s*[=:]\s*(?P<value>{value})""")


def _answer_findings(name: str, number: int, line: str, pattern: re.Pattern,
                     bank: Bank) -> list[Finding]:
    findings = []
    for match in pattern.finditer(line):
        question = bank.question(match.group("id"))
        value = _parse_value(match.group("value"))
        if question is None or value is None:
            continue
        try:
            response = parse_answer(question.kind, question.choices, value)
        except AnswerError:
            continue
        if bank.is_correct(question, response):
            findings.append(Finding(name, number, f"the answer to quiz question {question.id}"))
    return findings


def _parse_value(text: str) -> object:
    for parse in (lambda: tomllib.loads(f"v = {text}")["v"], lambda: json.loads(text),
                  lambda: ast.literal_eval(text)):
        try:
            return parse()
        except Exception:  # noqa: BLE001, S112 - not a value in that syntax
            continue
    return None
