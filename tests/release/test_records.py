"""Recorded references: keys that tell calls apart exactly, a near match only for
rounding, caches as handles, and a clear internal message (never a crash, never a
silent guess) for anything not recorded."""

from __future__ import annotations

import numpy as np
import pytest
from helpers.course import ROOT

from rnncourse.checking import engine, references
from rnncourse.checking.recorded import RecordedSource
from rnncourse.checking.records import Handle, NotRecorded, Records, RecordWriter, call_key
from rnncourse.release.recording import Recorder

X = np.linspace(-2.0, 2.0, 12).reshape(3, 4)


def key(*args) -> str:
    return call_key("ex", "f", args).key


def test_keys_tell_apart_values_dtypes_shapes_and_structure():
    base = key(X, 1.0)
    assert key(X.copy(), 1.0) == base  # the same bytes: the same call
    assert key(X.reshape(4, 3), 1.0) != base
    assert key(X.astype(np.float32), 1.0) != base
    assert key(np.nextafter(X, 9), 1.0) != base  # one ulp
    assert key(X, 1) != base  # an int is not a float
    assert key(X, np.float64(1.0)) != base
    assert key([X, 1.0]) != key((X, 1.0))
    assert key({"a": X, "b": X}) != key({"b": X, "a": X})  # order: sums round by it
    assert call_key("ex", "g", (X, 1.0)).key != base
    assert call_key("other", "f", (X, 1.0)).key != base


def saved(tmp_path, calls) -> Records:
    writer = RecordWriter()
    for function, args, output in calls:
        writer.add("ex", function, call_key("ex", function, args), output)
    path = tmp_path / "records.npz"
    writer.save(path)
    return Records(path)


def test_a_record_gives_back_fresh_copies_of_what_was_returned(tmp_path):
    out = ({"W": X * 2}, 3.5, np.float64(2.0), [1, None, "s"])
    records = saved(tmp_path, [("f", (X,), out)]).exercise("ex")
    assert records is not None
    got = records.value(records.lookup("f", (X.copy(),)))
    assert isinstance(got, tuple) and type(got[1]) is float and type(got[2]) is np.float64
    np.testing.assert_array_equal(got[0]["W"], X * 2)
    assert got[3] == [1, None, "s"]
    got[0]["W"][:] = 0  # a check may change what it gets
    again = records.value(records.lookup("f", (X,)))
    np.testing.assert_array_equal(again[0]["W"], X * 2)


def test_rounding_of_the_inputs_finds_the_record_and_anything_more_does_not(tmp_path):
    records = saved(tmp_path, [("f", (X, 2.0), X + 1)]).exercise("ex")
    assert records is not None
    ulps = X * (1 + 4e-16)  # another machine's last bits
    np.testing.assert_array_equal(records.value(records.lookup("f", (ulps, 2.0))), X + 1)
    with pytest.raises(NotRecorded, match="no recorded result of f"):
        records.lookup("f", (X * (1 + 1e-9), 2.0))  # another input altogether
    with pytest.raises(NotRecorded):
        records.lookup("f", (X, 2.5))
    with pytest.raises(NotRecorded):
        records.lookup("g", (X, 2.0))


def test_a_cache_is_a_handle_and_the_backward_is_found_by_it(tmp_path):
    forward = call_key("ex", "fwd", (X,))
    writer = RecordWriter()
    writer.add("ex", "fwd", forward, (X * 2, Handle(forward.key)))
    writer.add("ex", "bwd", call_key("ex", "bwd", (X, Handle(forward.key))), X * 3)
    writer.save(tmp_path / "r.npz")
    records = Records(tmp_path / "r.npz").exercise("ex")
    assert records is not None
    _, cache = records.value(records.lookup("fwd", (X,)))
    assert isinstance(cache, Handle) and repr(cache) == "<a reference cache>"
    np.testing.assert_array_equal(records.value(records.lookup("bwd", (X, cache))), X * 3)
    with pytest.raises(NotRecorded):
        records.lookup("bwd", (X, Handle("another forward")))


def test_the_recorder_keeps_caches_out_of_the_records(course, tmp_path):
    """The reference's cache (its intermediate values) is never written."""
    recorder = Recorder(course)
    lstm = recorder.reference(course, course.exercise("lstm"))
    args = tuple(np.full(shape, 0.5) for shape in ((2, 3), (2, 4), (2, 4), (3, 16),
                                                   (4, 16), (16,)))
    h, c, cache = lstm.lstm_step_forward(*args)
    lstm.lstm_step_backward(h, c, cache)
    recorder.writer.save(tmp_path / "r.npz")
    records = Records(tmp_path / "r.npz").exercise("lstm")
    assert records is not None
    *outputs, handle = records.value(records.lookup("lstm_step_forward", args))
    assert isinstance(handle, Handle)
    stored = set()
    for entry in records.calls.values():
        stored |= {records.array(i).tobytes() for i in entry.get("output_leaves", ())}
    stored |= {records.array(i).tobytes() for entry in records._read_inputs().values()  # noqa: SLF001
               for i in entry["input_leaves"]}
    assert all(array.tobytes() not in stored for array in cache[5:]
               if isinstance(array, np.ndarray))  # the gates i, f, o, g
    grads = records.value(records.lookup("lstm_step_backward", (h, c, handle)))
    assert len(grads) == 6


def test_an_unrecorded_call_is_an_internal_error_of_that_check_not_a_crash(course, tmp_path):
    """A student edition whose records lack a function: its checks say so, the
    others are decided as usual."""
    recorder = Recorder(course)
    with references.using(recorder):
        engine.run(course, [course.exercise("activations")], ROOT / "solutions")
    entries = recorder.writer._exercises["activations"].calls  # noqa: SLF001
    for key_ in [k for k, entry in entries.items() if entry["function"] == "tanh_derivative"]:
        del entries[key_]
    recorder.writer.save(tmp_path / "records.npz")
    with references.using(RecordedSource(tmp_path / "records.npz")):
        result = engine.run(course, [course.exercise("activations")], ROOT / "solutions")
    by_kind = {check.id: check.kind for check in result.exercises[0].checks}
    tanh = {check_id for check_id in by_kind if check_id.startswith("tanh_derivative.")}
    assert {by_kind[check_id] for check_id in tanh} == {"internal"}
    assert all(kind == "pass" for check_id, kind in by_kind.items() if check_id not in tanh)
    message = next(c.message for c in result.exercises[0].checks if c.id in tanh)
    assert "no recorded result of tanh_derivative" in message
    assert "tell your instructor" in message


def test_a_missing_record_of_a_known_mistake_is_said_not_silently_skipped(course, student,
                                                                          tmp_path):
    """Diagnosis must not quietly name no misconception because a record is missing."""
    wrong = student("activations", """
        def tanh_derivative(x):
            return 1 - x ** 2
        """)
    recorder = Recorder(course)
    with references.using(recorder):
        full = engine.run(course, [course.exercise("activations")], wrong)
    assert {c.misconception for c in full.exercises[0].checks} >= {"derivative-at-activation"}
    entries = recorder.writer._exercises["activations"].calls  # noqa: SLF001
    for key_ in [k for k, entry in entries.items() if "#mistake" in entry["function"]]:
        del entries[key_]
    recorder.writer.save(tmp_path / "records.npz")
    with references.using(RecordedSource(tmp_path / "records.npz")):
        result = engine.run(course, [course.exercise("activations")], wrong)
    values = next(c for c in result.exercises[0].checks if c.id == "tanh_derivative.values")
    assert values.kind == "internal" and "no recorded result" in values.message


def test_a_check_feeding_the_students_results_to_the_reference_cannot_be_recorded(
        course, student, tmp_path):
    """Why the release tests its edition on students nothing was recorded with:
    such a check works for the students it was recorded with, and no other."""
    from rnncourse.checking import CheckSpec, Student
    from rnncourse.checking.spec import CheckFailed
    from rnncourse.sandbox.process import StudentProcess

    def derived(student, reference, policy):
        mine = student.call("sigmoid", X)
        if not np.allclose(reference.sigmoid_derivative(mine), mine * (1 - mine)):
            raise CheckFailed("no")

    spec = CheckSpec("sigmoid.derived", "sigmoid", derived)
    exercise = course.exercise("activations")
    seen = student("activations", "def sigmoid(x):\n    return 0.5 + 0.0 * x\n")
    unseen = student("activations", "def sigmoid(x):\n    return 0.25 + 0.0 * x\n")

    def outcome(folder, source):
        with references.using(source), StudentProcess(folder / "activations.py") as process:
            reference = references.reference(course, exercise)
            try:
                spec.test(Student(process, "activations", 10.0), reference, course.policy)
            except NotRecorded:
                return "not recorded"
            except CheckFailed:
                return "fail"
        return "pass"

    recorder = Recorder(course)
    assert outcome(seen, recorder) == "fail"
    recorder.writer.save(tmp_path / "records.npz")
    recorded = RecordedSource(tmp_path / "records.npz")
    assert outcome(seen, recorded) == "fail"
    assert outcome(unseen, recorded) == "not recorded"
