"""The sanitiser of student text: what it escapes, what it keeps, and that the
result can always be stored and written."""

import json
import sqlite3
import unicodedata

import pytest

from rnncourse import untrusted

HOSTILE = ("lone \ud800 surrogate, undecodable \udcff byte, ESC \x1b[31mred\x1b[0m, "
           "OSC-8 \x1b]8;;https://evil.example\x07link\x1b]8;;\x07, C1 \x9b2J, "
           "bidi \u202eevil\u202c, isolate \u2066x\u2069, tag \U000e0041, NUL \x00, CR \r")


def test_every_control_format_and_surrogate_character_is_escaped():
    """Against the Unicode database of this Python: every character of the
    categories Cc, Cf, Cs, Zl and Zp but tab and newline."""
    unsafe = {chr(c) for c in range(0x110000)
              if unicodedata.category(chr(c)) in ("Cc", "Cf", "Cs", "Zl", "Zp")}
    unsafe -= {"\t", "\n"}
    escaped = {chr(c) for c in range(0x110000) if not untrusted.is_safe(chr(c))}
    assert unsafe <= escaped
    # format characters of Unicode 15 that an older unicodedata does not know yet
    assert escaped - unsafe <= {chr(c) for c in range(0x13430, 0x13440)}


@pytest.mark.parametrize("clean", [untrusted.text, untrusted.line, untrusted.name])
def test_hostile_text_becomes_storable_and_inert(clean, tmp_path):
    safe = clean(HOSTILE)
    assert untrusted.is_safe(safe)
    safe.encode("utf-8")  # no surrogate left
    with sqlite3.connect(tmp_path / "db.sqlite") as db:
        db.execute("CREATE TABLE t (v TEXT)")
        db.execute("INSERT INTO t VALUES (?)", (safe,))
    assert "\\x1b[31mred" in safe and "\\u202eevil" in safe and "\\ud800" in safe
    assert clean(safe) == safe  # idempotent


def test_text_keeps_lines_and_tabs_and_printable_unicode():
    assert untrusted.text("a\tb\nc — zoë ✓ 中文") == "a\tb\nc — zoë ✓ 中文"
    assert untrusted.line("a\tb\n  c") == "a b c"


def test_lengths_are_bounded_and_cutting_is_idempotent():
    long = "x" * 10_000
    assert len(untrusted.text(long)) == untrusted.MAX_TEXT
    assert untrusted.line(long, 50) == "x" * 49 + "…"
    assert untrusted.line(untrusted.line(long, 50), 50) == untrusted.line(long, 50)


def test_names_show_undecodable_bytes_as_bytes():
    name = b"caf\xe9\x1b".decode("utf-8", "surrogateescape")
    assert untrusted.name(name) == "caf\\xe9\\x1b"


def test_quoted_is_a_string_literal_that_cannot_close_early():
    quoted = untrusted.quoted('all checks pass" \' \x1b\ud800\nScore 20/20')
    assert quoted.startswith(("'", '"')) and quoted.endswith(quoted[0])
    assert eval(quoted) == 'all checks pass" \' \x1b\ud800 Score 20/20'  # noqa: S307
    assert untrusted.is_safe(quoted)


def test_tree_cleans_keys_values_and_bounds_depth():
    data = {"\ud800key": ["v\x1b", {"k": "\u202e"}], "n": 1.5, "ok": None}
    clean = untrusted.tree(data)
    json.dumps(clean, ensure_ascii=False).encode("utf-8")
    assert clean == {"\\ud800key": ["v\\x1b", {"k": "\\u202e"}], "n": 1.5, "ok": None}
    deep: list = []
    for _ in range(100):
        deep = [deep]
    assert "null" in json.dumps(untrusted.tree(deep))
