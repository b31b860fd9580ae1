"""Which files of a submission are its exercise files and its quiz answers.

Students hand in what they have, not always what the grader expects: the
exercise files inside a wrapping folder, or the whole course folder
(``rnncourse/exercises/*.py``), or a file saved twice by the browser
(``rnn (1).py``) or renamed (``LSTM.py``, ``gru_final.py``). A submission read
only by exact names scores 0 for each of them without anyone being told.

``match`` decides, from the names alone, where the exercise files are and which
file is which:

1. **The folder.** The top of the submission if it holds any exercise file;
   else the one folder called ``exercises`` (at any depth) that holds some;
   else the one folder that holds some (a wrapping folder). Two candidate
   folders are ambiguous: nothing is guessed.
2. **The file.** The exact name wins. Otherwise a name that differs only in
   case, in ``-``/``_``/space, or by a copy suffix (`` (1)``, ``-copy``,
   `` copy``, ``_final``, ``-2``, a leading ``Copy of``) is taken when exactly
   one file of the folder matches; two such files are ambiguous, and neither
   is taken.
3. **The quiz answers** (``quiz_answers.toml``/``.json``) by the same rule, in
   that folder, at the top, or beside an ``exercises`` folder (the course folder).

Everything that is not the plain layout gives a note, in words a student and an
instructor read in the feedback, in ``grades.csv`` and in the report: the folder
used, each file taken by a loose match, each ambiguity, and the ``.py`` files
that were not graded, with a did-you-mean. The names here are the student's:
every one that enters a note is made safe (rnncourse.untrusted).
"""

from __future__ import annotations

import difflib
import posixpath
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rnncourse import untrusted

MAX_LISTED = 10  # unrecognised files named in a note
# Written by `rnncourse submit` beside the files it packs; never a stray file.
MANIFEST = "submission.json"
_COPY_SUFFIX = re.compile(
    r"(?:\s*\(\d+\)|[\s_-]+(?:-\s*)?copy(?:\s*\(?\d+\)?)?|[\s_-]+final|[\s_-]+\d+)$")
_COPY_PREFIX = re.compile(r"^copy\s+of\s+")
_SEPARATORS = re.compile(r"[\s_-]+")


@dataclass(frozen=True)
class Expected:
    """The names grading reads: the exercise files, and the quiz answers files
    in order of preference."""

    exercise_files: tuple[str, ...]
    answer_files: tuple[str, ...] = ()


@dataclass(frozen=True)
class Taken:
    target: str  # the name grading reads: "rnn.py", "quiz_answers.toml"
    source: str  # the file in the submission: "hw3/RNN (1).py"

    @property
    def loose(self) -> bool:
        """Taken by a loose match (not the plain name at the top)."""
        return self.source != self.target


@dataclass(frozen=True)
class Layout:
    """How a submission's files were read."""

    root: str  # the folder the exercise files were read from; "" for the top
    taken: tuple[Taken, ...] = ()
    notes: tuple[str, ...] = ()  # every way it differs from the plain layout
    found: bool = True  # some exercise file was found
    ambiguous: tuple[str, ...] = ()  # targets not guessed

    @property
    def flagged(self) -> bool:
        return bool(self.notes)

    def source_of(self, target: str) -> str | None:
        return next((item.source for item in self.taken if item.target == target), None)

    def graded_name(self, source: str) -> str | None:
        """The name grading gives the submission's file ``source``: its target
        when taken; its path below the root for another file of the root folder
        (a helper the exercise files import); None for a file grading never reads."""
        for item in self.taken:
            if item.source == source:
                return item.target
        if self.root and not source.startswith(self.root + "/"):
            return None
        relative = source[len(self.root) + 1:] if self.root else source
        if any(item.target == relative for item in self.taken):
            return None  # a loose match took that name
        return relative

    def to_dict(self) -> dict:
        return {"root": self.root, "found": self.found, "notes": list(self.notes),
                "taken": {item.target: item.source for item in self.taken},
                "ambiguous": list(self.ambiguous)}


def key(name: str) -> tuple[str, str]:
    """(stem, extension) of a file name with case, separators and copy marks
    taken out: ``RNN (1).py``, ``rnn-copy.py`` and ``rnn.py`` share one key."""
    stem, extension = posixpath.splitext(posixpath.basename(name))
    stem = _COPY_PREFIX.sub("", stem.strip().casefold())
    while True:
        shorter = _COPY_SUFFIX.sub("", stem).strip()
        if shorter == stem or not shorter:
            break
        stem = shorter
    return _SEPARATORS.sub("_", stem).strip("_"), extension.casefold()


def match(names: Iterable[str], expected: Expected) -> Layout:
    """The layout of a submission whose files are ``names`` (relative paths with
    ``/``); see the module's docstring for the rules."""
    files = sorted(set(names))
    folders: dict[str, list[str]] = {}
    for name in files:
        folders.setdefault(posixpath.dirname(name), []).append(name)
    notes: list[str] = []
    root, problem = _root(folders, expected.exercise_files)
    if root is None:  # no exercise file is guessed; the quiz answers still may be found
        answers = _answers(folders, "", expected.answer_files)
        found_answers = (answers,) if isinstance(answers, Taken) else ()
        notes += [problem, *_strays(files, set(), expected)]
        notes += [_took(item) for item in found_answers if item.loose]
        return Layout("", found_answers, tuple(notes), found=False)
    if root:
        notes.append(f"the exercise files were read from the folder {_shown(root + '/')}")
    taken: list[Taken] = []
    ambiguous: list[str] = []
    for target in expected.exercise_files:
        item, problem = _pick(folders.get(root, []), (target,))
        if item is not None:
            taken.append(item)
        elif problem:
            ambiguous.append(target)
            notes.append(problem)
    answers = _answers(folders, root, expected.answer_files)
    if isinstance(answers, Taken):
        taken.append(answers)
    elif answers:
        ambiguous.append(expected.answer_files[0])
        notes.append(answers)
    notes += [_took(item) for item in taken if posixpath.basename(item.source) != item.target
              or (item.loose and posixpath.dirname(item.source) != root)]
    found = any(item.target in expected.exercise_files for item in taken)
    if not found and not set(ambiguous) & set(expected.exercise_files):
        notes.insert(0, _nothing(expected))
    used = {item.source for item in taken}
    notes += _strays(folders.get(root, []) if found else files, used, expected,
                     {item.target for item in taken}, ambiguous)
    if answers is None and expected.answer_files:
        notes += _stray_answers(files, used, expected, root)
    return Layout(root, tuple(taken), tuple(notes), found, tuple(ambiguous))


def _root(folders: dict[str, list[str]], targets: Sequence[str]) -> tuple[str | None, str]:
    """The folder to read the exercise files from, or None and why none was chosen."""
    wanted = {key(target) for target in targets}
    holding = [folder for folder, names in folders.items()
               if any(key(name) in wanted for name in names)]
    if "" in holding or not holding:
        return "", ""
    named = [folder for folder in holding if posixpath.basename(folder).casefold() == "exercises"]
    for candidates in (named, holding):
        if len(candidates) == 1:
            return candidates[0], ""
        if len(candidates) > 1:
            listed = ", ".join(_shown(folder + "/") for folder in sorted(candidates)[:4])
            return None, (f"exercise files were found in {len(candidates)} folders ({listed}); "
                          "none was graded, since it is not clear which one is meant: hand in "
                          "one folder")
    return "", ""


def _pick(names: list[str], targets: Sequence[str]) -> tuple[Taken | None, str]:
    """The file of ``names`` (one folder's) that is the first of ``targets``
    present: exactly, else by the one loose match; or None and, when two files
    could be it, the note that says so."""
    for target in targets:
        exact = [name for name in names if posixpath.basename(name) == target]
        if exact:
            return Taken(target, exact[0]), ""
    for target in targets:
        loose = [name for name in names if key(name) == key(target)]
        if len(loose) == 1:
            return Taken(target, loose[0]), ""
        if len(loose) > 1:
            listed = " and ".join(_shown(name) for name in loose[:4])
            return None, (f"{listed} could each be {target}: neither was graded (rename the "
                          f"one you mean to {target})")
    return None, ""


def _answers(folders: dict[str, list[str]], root: str, targets: Sequence[str]
             ) -> Taken | str | None:
    """The quiz answers file: in the exercises' folder, at the top, or beside an
    ``exercises`` folder; a note when two files could be it."""
    if not targets:
        return None
    places = [root, ""]
    if posixpath.basename(root).casefold() == "exercises":
        places.append(posixpath.dirname(root))
    for place in dict.fromkeys(places):
        item, problem = _pick(folders.get(place, []), targets)
        if item is not None or problem:
            return item if item is not None else problem
    return None


def _took(item: Taken) -> str:
    if posixpath.basename(item.source) == item.target:
        return f"read {item.target} from {_shown(item.source)}"
    return f"took {_shown(item.source)} as {item.target}"


def _nothing(expected: Expected) -> str:
    listed = ", ".join(expected.exercise_files)
    return f"no exercise file was found (grading reads {listed})"


def _strays(names: Iterable[str], used: set[str], expected: Expected,
            graded: Iterable[str] = (), ambiguous: Iterable[str] = ()) -> list[str]:
    """The note naming the ``.py`` files that were not graded, with a did-you-mean."""
    stems = {key(target)[0]: target for target in expected.exercise_files}
    graded, ambiguous = set(graded), set(ambiguous)
    strays = []
    for name in names:
        if name in used or not name.casefold().endswith(".py"):
            continue
        target = stems.get(key(name)[0])
        if target in ambiguous:
            continue  # the note on the ambiguity names it
        shown = _shown(name)
        if target in graded:
            shown += f" ({target} was graded)"
        elif target is None:
            guess = difflib.get_close_matches(key(name)[0], list(stems), n=1, cutoff=0.6)
            shown += f" (did you mean {stems[guess[0]]}?)" if guess else ""
        strays.append(shown)
    if not strays:
        return []
    more = f" and {len(strays) - MAX_LISTED} more" if len(strays) > MAX_LISTED else ""
    return [f"not graded: {', '.join(strays[:MAX_LISTED])}{more}"]


def _stray_answers(names: list[str], used: set[str], expected: Expected, root: str
                   ) -> list[str]:
    """When no answers file was taken: .toml and .json files that may have been meant."""
    near = {root, "", posixpath.dirname(root)}
    found = [name for name in names if name not in used and posixpath.dirname(name) in near
             and posixpath.splitext(name)[1].casefold() in (".toml", ".json")
             and posixpath.basename(name) != MANIFEST]
    if not found:
        return []
    listed = ", ".join(_shown(name) for name in found[:MAX_LISTED])
    return [f"not read as quiz answers: {listed} (grading reads {expected.answer_files[0]})"]


def _shown(name: str) -> str:
    """A student's file name inside a note: quoted, escapes for what is not printable."""
    return untrusted.quoted(untrusted.name(name))
