"""Whether a call changed its arguments is decided in the judge, from what the
student's process sends back after the call, never from its own report; the
numpy warnings only that process sees are feedback, worth no points."""

import pytest
from helpers import numeric_attacks
from helpers.course import by_id, check, failing

from rnncourse.checking import engine

OVERWRITES = ("sigmoid_derivative.unchanged", "tanh_derivative.unchanged")


def activations(course, folder):
    return check(course, folder, "activations", hidden=True)


def test_overwriting_the_input_fails_although_the_worker_was_told_to_say_otherwise(
        course, student):
    """The process's own report of changed arguments (patched here to say
    "none") no longer decides anything; neither does a warning it silenced."""
    result = activations(course, student("activations",
                                         numeric_attacks.SILENCED_AND_OVERWRITING))
    assert set(failing(result)) == set(OVERWRITES)
    for check_id in OVERWRITES:
        assert by_id(result)[check_id].misconception == "mutates-input"
        assert "modified its argument x in place" in by_id(result)[check_id].message
    rule = engine.scoring(course.exercise("activations"))
    specs = {spec.id: spec for spec in engine.collect(course.exercise("activations"))}
    assert result.score == pytest.approx(
        result.max_score - sum(rule.check(specs[check_id]) for check_id in OVERWRITES))
    assert rule.check(specs["sigmoid.no-warning"]) == 0


def test_a_process_that_sends_no_arguments_back_does_not_pass_for_unchanged(course, student):
    folder = student("activations", """
        import sys

        _worker = sys.modules["rnncourse.sandbox.worker"]
        _real_call = _worker._call

        def _call(session, name, args, keep, watch=False):
            answer = _real_call(session, name, args, keep, watch)
            answer.pop("args", None)
            return answer

        _worker._call = _call
    """)
    failed = failing(activations(course, folder))
    unchanged = {i for i in failed if i.endswith(".unchanged")}
    assert unchanged == {"sigmoid.unchanged", *OVERWRITES}
    assert "did not send back the arguments" in failed["sigmoid.unchanged"].message


def test_a_rewritten_worker_that_forges_unchanged_arguments_earns_nothing_for_wrong_code(
        course, student):
    """What the judge cannot see: a process that rewrites its worker can send
    back the arguments as they were before the call. The property checks count
    only with right values, compared in the judge, so wrong code still earns
    nothing (docs/isolation.md says what such a process can forge)."""
    result = activations(course, student("activations", numeric_attacks.FORGING_WORKER))
    assert result.score == 0, {c.id: c.points for c in result.checks if c.passed}


def test_a_backward_that_changes_its_cache_is_seen_from_two_calls(course, student):
    """The cache stays in the student's process, so what the judge compares is
    the cache as two calls on it send it back."""
    result = check(course, student("lstm", """
        _right_backward = lstm_step_backward

        def lstm_step_backward(dh_next, dc_next, cache):
            grads = _right_backward(dh_next, dc_next, cache)
            cache[5][...] = cache[5] * 0.5
            return grads
    """), "lstm")
    unchanged = failing(result)["lstm_step_backward.unchanged"]
    assert "modified its argument cache[5] in place" in unchanged.message
    assert unchanged.misconception == "mutates-input"
