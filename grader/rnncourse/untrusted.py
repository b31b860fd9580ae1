"""Text a student controls, made safe to store, show and export.

Everything a student's code or files can put into a string (what the code
prints, its exception messages and type names, the where of a traceback, quiz
answer keys and values, file and folder names) is hostile: it may hold lone
surrogates (which UTF-8 and SQLite refuse), terminal escapes (an OSC-8
hyperlink, a C1 control), bidi overrides that reorder what a reader sees, or
megabytes. It passes through here where it enters the judge, and again where
it is shown, so that it can neither stop a run nor pass for the grader's words.

Unsafe characters are not dropped but escaped the way Python's repr does
(``\\x1b``, ``\\u202e``, ``\\ud800``), so a reader still sees that they were there;
every function is idempotent (a second pass changes nothing). Imports only the
standard library: the judge side of the sandbox uses it.
"""

from __future__ import annotations

import re

MAX_TEXT = 4000  # characters of a multi-line text (printed output)
MAX_LINE = 300  # characters of a one-line text (a message, a reason, a name)
MAX_DEPTH = 32  # nesting kept by tree()

# Control characters but tab and newline (C0, DEL, C1), format characters
# (Unicode category Cf: bidi embeddings, overrides and isolates, zero-width
# characters, tag characters), line and paragraph separators, and surrogates
# (lone ones from JSON "\ud800", or file-name bytes that are not UTF-8).
# tests/test_untrusted.py checks this against unicodedata.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2"
    "\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f\ud800-\udfff]")
_UNSAFE_IN_NAMES = re.compile(f"[\t\n{_UNSAFE.pattern[1:-1]}]")
_SPACE = re.compile(r"\s+")
ELLIPSIS = "…"


_SHORT = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match) -> str:
    char = match.group()
    if char in _SHORT:
        return _SHORT[char]
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _as_str(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "backslashreplace")
    return "" if value is None else str(value)


def cut(value: str, limit: int) -> str:
    """``value`` cut to at most ``limit`` characters, ending in … when cut."""
    return value if len(value) <= limit else value[: max(limit - 1, 0)] + ELLIPSIS


def text(value: object, limit: int = MAX_TEXT) -> str:
    """Multi-line student text: unsafe characters escaped, tabs and newlines
    kept, at most ``limit`` characters. Bytes are decoded as UTF-8 (what is not
    UTF-8 becomes ``\\xNN``); None becomes ""."""
    value = _as_str(value)
    if len(value) <= limit and _UNSAFE.search(value) is None:  # most text: as it is
        return value
    return cut(_UNSAFE.sub(_escape, value), limit)


def line(value: object, limit: int = MAX_LINE) -> str:
    """One line of student text: as text(), with every run of whitespace
    (newlines included) made one space."""
    flat = _SPACE.sub(" ", _UNSAFE.sub(_escape, _as_str(value))).strip()
    return cut(flat, limit)


def quoted(value: object, limit: int = MAX_LINE) -> str:
    """Student text inside a message the grader writes: one line, cut to
    ``limit`` characters, as a Python string literal (its own quotes and
    backslashes escaped), so it cannot pass for the grader's words."""
    return repr(cut(_SPACE.sub(" ", _as_str(value)).strip(), limit))


def identifier(value: object, limit: int = 80) -> str:
    """A name a student's code chose (a class name, say), shown: as it is when
    it is a dotted Python identifier of at most ``limit`` characters, quoted
    otherwise (a class may be called "All checks pass")."""
    if isinstance(value, str) and len(value) <= limit and is_safe(value) and all(
            part.isidentifier() for part in value.split(".")):
        return value
    return quoted(value, limit)


def name(value: object, limit: int = MAX_LINE) -> str:
    """A file or folder name as read from disk, shown: bytes that are not UTF-8
    (surrogate escapes from os.scandir) become ``\\xNN``, and every unsafe
    character, tab and newline included, an escape; spaces are kept as they are."""
    if isinstance(value, str):
        try:
            value = value.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:  # a surrogate that is not an escaped byte
            pass
    return cut(_UNSAFE_IN_NAMES.sub(_escape, _as_str(value)), limit)


def tree(value: object, limit: int = MAX_TEXT, depth: int = 0) -> object:
    """A JSON-like value (dicts, lists, scalars) with every string in it, keys
    included, made safe by text(); nesting deeper than MAX_DEPTH is dropped."""
    if isinstance(value, str):
        return text(value, limit)
    if depth >= MAX_DEPTH:
        return None
    if isinstance(value, dict):
        return {text(key, limit) if isinstance(key, str) else key: tree(item, limit, depth + 1)
                for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [tree(item, limit, depth + 1) for item in value]
    return value


def is_safe(value: str) -> bool:
    """Whether ``value`` holds no character text() would escape."""
    return _UNSAFE.search(value) is None
