"""Text from anywhere (student messages included) as inert Markdown, for the
feedback files and Gradescope's Markdown outputs: no links, images, HTML or
emphasis can come out of it, and no control characters (rnncourse.untrusted)."""

from __future__ import annotations

import re

from rnncourse import untrusted

_SPECIAL = re.compile(r"([\\`*\[\]<>|!#])")  # not _: snake_case stays readable


def inert(text: str) -> str:
    """``text`` on one line, every Markdown special character escaped."""
    return _SPECIAL.sub(r"\\\1", untrusted.line(text, untrusted.MAX_TEXT))


def fenced(text: str, indent: str = "") -> list[str]:
    """``text`` as the lines of a fenced code block that no line of it can close."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [indent + fence, *(indent + line for line in text.rstrip().splitlines()),
            indent + fence]
