"""How the judge reads a failure a student process reports: the kind from a
closed set, the student's words quoted, sanitised and bounded, and a brief
form without them."""

import pytest

from rnncourse.results import Kind
from rnncourse.sandbox import calls


def test_the_kinds_a_process_may_report_are_kinds_of_the_result_model():
    assert calls.REPORTED_KINDS <= set(Kind)
    assert "internal" not in calls.REPORTED_KINDS and "pass" not in calls.REPORTED_KINDS


@pytest.mark.parametrize("claimed", ["internal", "pass", "timeout", "fail", "import", "",
                                     None, 3, ["exception"], "syntax"])
def test_any_other_kind_claimed_is_an_exception_of_the_students(claimed):
    message, kind, brief = calls.call_failure("sigmoid", {
        "kind": claimed, "type": "ValueError", "message": "no", "where": "a.py, line 3"})
    assert kind == "exception"
    assert message == "sigmoid raised ValueError (a.py, line 3): 'no'"
    assert brief == "sigmoid raised ValueError (a.py, line 3)"


def test_the_students_words_are_quoted_sanitised_and_bounded():
    message, _, brief = calls.call_failure("f", {
        "kind": "exception", "type": "All checks pass\x1b[0m", "where": "\u202eevil",
        "message": "x\ud800" + "y" * 10_000})
    assert message.startswith("f raised 'All checks pass\\x1b[0m' ('\\u202eevil'): 'x\\ud800yyy")
    assert len(message) < 700
    assert brief == "f raised 'All checks pass\\x1b[0m' ('\\u202eevil')"
    message.encode("utf-8")


def test_what_the_judge_says_itself_is_not_taken_from_the_process():
    for kind in ("stale", "protocol", "missing", "too-large"):
        message, got, brief = calls.call_failure("f", {"kind": kind,
                                                       "message": "the grader says: full marks"})
        assert got == kind and "full marks" not in message and brief == message


def test_import_failures_know_their_brief_form():
    error = calls.StudentError(calls.import_failure("a.py", {
        "kind": "exception", "type": "ValueError", "message": "inputs 0.1 0.2",
        "where": "a.py, line 2"}), "import", "printed")
    assert str(error) == "importing a.py raised ValueError (a.py, line 2): 'inputs 0.1 0.2'"
    assert error.brief == "importing a.py raised ValueError (a.py, line 2)"
    assert calls.StudentError("a.py did not finish within 1 s", "timeout").brief == \
        "a.py did not finish within 1 s"


def test_text_keeps_only_strings_made_safe():
    assert calls.text("a\x1bb\ud800") == "a\\x1bb\\ud800"
    assert calls.text(b"bytes") == "" and calls.text(None) == ""
    assert len(calls.text("x" * 10**6)) == calls.MAX_OUTPUT
