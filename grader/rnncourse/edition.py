"""Which edition of the course this package is.

The instructor's full course (this repository) has solutions, hidden checks,
known mistakes and the plain quiz bank. A student edition, written by
`rnncourse release`, has none of them: it holds instead, beside this module,
``edition_data/edition.json`` (the release stamp, and the weights of the hidden
checks it leaves out, so that every public check keeps its points) and
``edition_data/records.npz`` (the reference's outputs on the public checks'
fixed inputs, see checking/recorded.py). The package is a student edition
exactly when edition.json is there.

Imports only the standard library: `rnncourse check` reads it at start-up.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parent / "edition_data"
MARKER = "edition.json"
RECORDS = "records.npz"
FORMAT = 1


@dataclass(frozen=True)
class Edition:
    """A student edition, as its edition.json describes it."""

    version: str  # the course's version (course.toml)
    content_hash: str  # of everything the release was written from (course/stamp.py)
    # {exercise id: {function: summed weight of its hidden checks}}
    hidden_weights: dict[str, dict[str, float]]

    @property
    def stamp(self) -> str:
        return f"{self.version}+{self.content_hash}"

    def to_dict(self) -> dict:
        return {"format": FORMAT, "edition": "student", "version": self.version,
                "content_hash": self.content_hash, "hidden_weights": self.hidden_weights}


def read(folder: Path) -> Edition | None:
    """The edition described in ``folder``/edition.json, or None when there is none.
    A file that is there but unreadable is an error: a half-installed edition must
    not pass for the full course."""
    path = Path(folder) / MARKER
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise RuntimeError(f"{path}: not an edition file this rnncourse can read")
    return Edition(str(data["version"]), str(data["content_hash"]),
                   {exercise: {function: float(weight) for function, weight in weights.items()}
                    for exercise, weights in data["hidden_weights"].items()})


@functools.cache
def student_edition() -> Edition | None:
    """This package's edition: None for the instructor's full course."""
    return read(DATA)


def hidden_weights(exercise_id: str) -> dict[str, float]:
    """{function: weight} of the hidden checks a student edition leaves out of
    ``exercise_id``; empty in the full course, whose hidden checks are all there."""
    edition = student_edition()
    return {} if edition is None else edition.hidden_weights.get(exercise_id, {})


def refusal(what: str) -> str:
    """The one line with which a student edition refuses an instructor's command."""
    return (f"this is the student edition of the course: {what} is for instructors and "
            "works only in the instructor's full course")
