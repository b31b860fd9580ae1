"""The judge's side of a call: which arguments came back changed is found by
comparing what was sent with what the process sends back, and a process that
sends nothing back does not pass for one that changed nothing; the old
"perturbed" request, answered inside the student's process, is gone."""

import numpy as np
import pytest

from rnncourse.sandbox import protocol, worker
from rnncourse.sandbox.calls import StudentError, call_from_reply, changed_paths
from rnncourse.sandbox.inkernel import InKernelStudent
from rnncourse.sandbox.protocol import Handle

X = np.arange(6.0).reshape(2, 3)


def test_equal_arguments_are_unchanged():
    sent = [X, {"W": X, "b": np.zeros(3)}, 1.5, [X], None, "text", Handle(3, "tuple", 1)]
    back = protocol.decode(protocol.encode(sent))
    assert changed_paths(sent, back) == []


def test_nan_equals_nan_and_any_changed_value_is_a_change():
    """Exact: what comes back is the very array the call was given, not a value
    computed again, so there is no rounding to allow for."""
    with_nan = np.array([np.nan, 1.0])
    assert changed_paths([with_nan], [with_nan.copy()]) == []
    assert changed_paths([X], [np.nextafter(X, np.inf)]) == [[0]]


@pytest.mark.parametrize("back", [
    X.T.copy(), X.reshape(3, 2), X.astype(np.float32), X.astype(np.int64), [X], None,
    Handle(1, "ndarray"), 0.0,
], ids=["transposed", "reshaped", "float32", "int64", "list", "None", "handle", "float"])
def test_another_shape_dtype_or_type_is_a_change(back):
    assert changed_paths([np.array(X)], [back]) == [[0]]


def test_paths_name_the_entry_that_changed():
    sent = [{"W": X, "b": np.zeros(3)}, [X, X], 2.0]
    back = [{"W": X, "b": np.ones(3), "extra": X}, [X, -X], 2.0]
    assert sorted(map(str, changed_paths(sent, back))) == ["[0, 'b']", "[0, 'extra']", "[1, 1]"]
    assert changed_paths([{"W": X}], [{}]) == [[0, "W"]]
    assert changed_paths([[X, X]], [[X]]) == [[0]]
    assert changed_paths([3.0], [3]) == [] and changed_paths([True], [1]) == [[0]]


def test_what_was_sent_as_a_handle_is_not_compared():
    """A cache lives in the student's process: the judge never saw it before the
    call, so it cannot say here whether the call changed it (the backward's
    check compares two calls instead)."""
    assert changed_paths([Handle(1, "tuple", 1)], [(X, X)]) == []


def test_a_watched_reply_without_the_arguments_is_a_protocol_failure():
    with pytest.raises(StudentError, match="did not send back the arguments") as raised:
        call_from_reply("sigmoid", {"ok": True, "value": X, "output": ""}, 0.0, sent=(X,))
    assert raised.value.kind == "protocol"
    with pytest.raises(StudentError, match="did not send back"):
        call_from_reply("sigmoid", {"ok": True, "value": X, "args": []}, 0.0, sent=(X,))


def test_unwatched_replies_need_no_arguments():
    call = call_from_reply("sigmoid", {"ok": True, "value": X, "output": ""}, 0.0)
    assert not call.watched and call.mutated == [] and call.arguments == []


def test_a_call_that_changes_its_input_is_seen_by_the_judge():
    def overwrite(x):
        x[0, 0] = -1.0
        return x

    student = InKernelStudent({"overwrite": overwrite, "keep": lambda x: x + 0.0}, "f.py")
    changed = student.call("overwrite", (X,), watch=True)
    assert changed.watched and changed.mutated == [[0]]
    assert X[0, 0] == 0.0  # the judge's own array is never handed to the student's code
    assert student.call("keep", (X,), watch=True).mutated == []


def test_the_worker_no_longer_answers_perturbed_requests():
    session = worker.Session(None, generation=1)
    session.module = type("Module", (), {"f": staticmethod(lambda x: (x,))})
    reply = worker.answer(session, {"op": "perturbed", "fn": "f", "args": [X]})
    assert reply["ok"] is False and reply["error"]["kind"] == "protocol"
    assert not hasattr(worker, "_perturbed")
