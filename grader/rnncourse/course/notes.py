"""The course notes: Markdown files in notes/, one per topic, split into sections.

Each file opens with a topic heading and holds level-2 sections, every heading
carrying a stable id in braces:

    # The LSTM {#lstm}
    ## The cell state {#lstm.cell-state}

Section ids are ``<topic>.<slug>``; quiz questions, check hints and course.toml
point at them, so loading validates the whole folder and reports the first
problem as one line naming the file and line.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

from rnncourse.errors import CourseError

SECTION_ID = re.compile(r"^[a-z][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)+$")
TOPIC_ID = re.compile(r"^[a-z][a-z0-9-]*$")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$")
_ID_SUFFIX = re.compile(r"\s*\{#([^}]*)\}$")
_FENCE = re.compile(r"^\s*(```|~~~)")


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    body: str  # Markdown below the heading, up to the next section
    file: Path
    line: int

    @property
    def topic(self) -> str:
        return self.id.split(".", 1)[0]


@dataclass(frozen=True)
class Topic:
    id: str
    title: str
    intro: str
    sections: tuple[Section, ...]
    file: Path


@dataclass(frozen=True)
class Hit:
    """A section that mentions every word searched, and its lines that do."""

    section: Section
    lines: tuple[str, ...]
    count: int  # how often the words occur in it


@dataclass(frozen=True)
class Notes:
    topics: tuple[Topic, ...]

    def search(self, query: str, within: str | None = None, lines: int = 2) -> list[Hit]:
        """The sections (of the topic or section ``within``, or all) whose title or
        text holds every word of ``query``, ignoring case (``forget`` finds
        "forgets" and "Forgetting"): those with a word in their title first, then
        the most mentions, then in the notes' order."""
        words = [word.casefold() for word in query.split()]
        if not words:
            raise CourseError("search for at least one word, e.g. rnncourse notes --search forget")
        found = []
        for section in self.sections:
            if within is not None and within not in (section.id, section.topic):
                continue
            text = f"{section.title}\n{section.body}".casefold()
            if not all(word in text for word in words):
                continue
            shown = tuple(line.strip() for line in section.body.splitlines()
                          if any(word in line.casefold() for word in words))[:lines]
            count = sum(text.count(word) for word in words)
            found.append((not any(word in section.title.casefold() for word in words),
                          -count, len(found), Hit(section, shown, count)))
        return [hit for *_, hit in sorted(found, key=lambda item: item[:3])]

    @property
    def sections(self) -> list[Section]:
        return [section for topic in self.topics for section in topic.sections]

    @property
    def section_ids(self) -> list[str]:
        return [section.id for section in self.sections]

    @property
    def topic_ids(self) -> list[str]:
        return [topic.id for topic in self.topics]

    def topic(self, topic_id: str) -> Topic | None:
        return next((topic for topic in self.topics if topic.id == topic_id), None)

    def section(self, section_id: str) -> Section | None:
        return next((s for s in self.sections if s.id == section_id), None)

    def suggest(self, name: str, limit: int = 3) -> list[str]:
        """The section or topic ids closest to ``name`` (for "did you mean")."""
        candidates = self.topic_ids + self.section_ids
        close = difflib.get_close_matches(name, candidates, n=limit, cutoff=0.6)
        if not close and "." in name:
            # A wrong slug under a right topic: offer that topic's sections.
            topic = self.topic(name.split(".", 1)[0])
            if topic is not None:
                close = [section.id for section in topic.sections][:limit]
        return close

    def unknown(self, name: str, what: str = "notes section") -> CourseError:
        close = self.suggest(name)
        hint = f"; did you mean {', '.join(close)}?" if close else \
            "; run 'rnncourse notes' for the table of contents"
        return CourseError(f"unknown {what} '{name}'{hint}")


def load(folder: Path) -> Notes:
    """Parse and validate every ``*.md`` file of ``folder``, in file-name order."""
    if not folder.is_dir():
        raise CourseError(f"{folder}: notes folder not found")
    files = sorted(path for path in folder.glob("*.md") if path.is_file())
    if not files:
        raise CourseError(f"{folder}: no notes (*.md files) found")
    topics = tuple(_parse_file(path) for path in files)
    _check_unique(topics)
    return Notes(topics)


def _check_unique(topics: tuple[Topic, ...]) -> None:
    seen: dict[str, Path] = {}
    for topic in topics:
        if topic.id in seen:
            raise CourseError(f"{topic.file}: topic id '{topic.id}' is also used by "
                              f"{seen[topic.id].name}")
        seen[topic.id] = topic.file
        for section in topic.sections:
            if section.id in seen:
                raise CourseError(f"{section.file}:{section.line}: section id '{section.id}' "
                                  "appears twice")
            seen[section.id] = section.file


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CourseError(f"{path}: cannot read ({error})") from None


def _parse_file(path: Path) -> Topic:
    lines = _read(path).splitlines()
    topic: tuple[str, str] | None = None
    intro: list[str] = []
    sections: list[Section] = []
    current: tuple[str, str, int] | None = None
    body: list[str] = []
    in_fence = False

    def close_section() -> None:
        if current is not None:
            section_id, title, line = current
            sections.append(Section(section_id, title, "\n".join(body).strip("\n"), path, line))

    for number, text in enumerate(lines, start=1):
        if _FENCE.match(text):
            in_fence = not in_fence
        heading = None if in_fence else _HEADING.match(text)
        if heading and len(heading.group(1)) <= 2:
            level = len(heading.group(1))
            title, anchor = _split_id(path, number, heading.group(2))
            if level == 1:
                if topic is not None or current is not None:
                    raise CourseError(f"{path}:{number}: only one '# Topic {{#id}}' heading, "
                                      "at the top of the file")
                if not TOPIC_ID.match(anchor):
                    raise CourseError(f"{path}:{number}: topic id '{anchor}' should be "
                                      "lowercase letters, digits and '-'")
                topic = (anchor, title)
                continue
            if topic is None:
                raise CourseError(f"{path}:{number}: a section before the '# Topic {{#id}}' "
                                  "heading")
            if not SECTION_ID.match(anchor) or anchor.split(".", 1)[0] != topic[0]:
                raise CourseError(f"{path}:{number}: section id '{anchor}' should look like "
                                  f"'{topic[0]}.some-name'")
            close_section()
            current, body = (anchor, title, number), []
            continue
        if current is None:
            intro.append(text)
        else:
            body.append(text)
    if in_fence:
        raise CourseError(f"{path}: a ``` code block is never closed")
    if topic is None:
        raise CourseError(f"{path}: no '# Topic title {{#topic}}' heading")
    close_section()
    if not sections:
        raise CourseError(f"{path}: no '## Section title {{#{topic[0]}.name}}' sections")
    for section in sections:
        if not section.body.strip():
            raise CourseError(f"{path}:{section.line}: section '{section.id}' is empty")
    return Topic(topic[0], topic[1], "\n".join(intro).strip("\n"), tuple(sections), path)


def _split_id(path: Path, number: int, heading: str) -> tuple[str, str]:
    found = _ID_SUFFIX.search(heading)
    if not found:
        raise CourseError(f"{path}:{number}: heading '{heading}' has no id; end it with "
                          "{#topic.name}")
    title = heading[:found.start()].strip()
    if not title:
        raise CourseError(f"{path}:{number}: heading has an id but no title")
    return title, found.group(1).strip()
