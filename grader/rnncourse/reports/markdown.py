"""Text from anywhere, student text included, as inert Markdown for the
per-student feedback files."""

from __future__ import annotations

import re

from rnncourse import untrusted

_SPECIAL = re.compile(r"([\\`*\[\]<>|!#])")  # not _: snake_case stays readable


def inline(text: str) -> str:
    """``text`` as inert Markdown: no links, images, HTML or emphasis, on one line,
    without control characters; ``|`` escaped, so it also fits in a table cell."""
    return _SPECIAL.sub(r"\\\1", untrusted.line(text, untrusted.MAX_TEXT))
