"""The wire format: plain data round-trips; anything else never becomes live objects."""

import json
import struct

import numpy as np
import pytest

from rnncourse.sandbox import protocol


def roundtrip(value, keep=None):
    return protocol.decode(protocol.encode(value, keep=keep))


def test_plain_values_roundtrip():
    value = {"a": np.arange(6.0).reshape(2, 3), "b": (1, 2.5, None, True, "text"),
             "c": [np.float64(3.5), np.int32(4)]}
    back = roundtrip(value)
    assert np.array_equal(back["a"], value["a"]) and back["a"].dtype == np.float64
    assert back["b"] == (1, 2.5, None, True, "text")
    assert back["c"] == [3.5, 4]


def test_arrays_come_back_as_plain_writable_ndarrays():
    back = roundtrip(np.ones((2, 2), dtype=np.float32))
    assert type(back) is np.ndarray and back.dtype == np.float32 and back.flags.writeable


def test_nan_and_inf_survive():
    back = roundtrip(np.array([np.nan, np.inf, -np.inf]))
    assert np.isnan(back[0]) and back[1] == np.inf and back[2] == -np.inf


def test_ndarray_subclass_is_not_sent_as_an_array():
    class Rigged(np.ndarray):
        def __eq__(self, other):
            return True

    fake = np.zeros(3).view(Rigged)
    back = roundtrip(fake)
    assert isinstance(back, protocol.Unsupported)
    assert "subclass" in back.type_name


def test_objects_become_handles_on_the_student_side():
    kept = []

    def keep(value):
        kept.append(value)
        return protocol.Handle(len(kept), generation=7)

    class Cache:
        pass

    back = roundtrip((np.zeros(2), Cache()), keep=keep)
    assert isinstance(back[1], protocol.Handle) and back[1].generation == 7
    assert back[1].type_name.endswith("Cache")


def test_object_arrays_are_refused():
    back = roundtrip(np.array([object()], dtype=object))
    assert isinstance(back, protocol.Unsupported)


def _message(tree, buffers=()):
    header = json.dumps([tree, [len(b) for b in buffers]]).encode()
    return struct.pack("<I", len(header)) + header + b"".join(buffers)


@pytest.mark.parametrize("blob", [
    b"", b"\x00\x00", struct.pack("<I", 999) + b"[]",
    _message(["a", "<f8", [3], 0], [b"\x00" * 8]),  # buffer too short for the shape
    _message(["a", "|O", [1], 0], [b"\x00" * 8]),  # object dtype
    _message(["a", "<f8", [-1], 0], [b""]),
    _message(["a", "<f8", [1], 3], [b"\x00" * 8]),  # no such buffer
    _message(["a", ["<f8"], [1], 0], [b"\x00" * 8]),  # an unhashable dtype name
    struct.pack("<I", 200_000) + b"[" * 100_000 + b"]" * 100_000,  # too deep for json
    _message(["pickle", "cos\nsystem\n"]),
    _message({"t": "int", "v": 1}),  # the old format: objects are not values
    _message(["d", 1, None]),  # a dict key that is not a string
    _message(["d", "a"]),  # a key without a value
    _message(["h", "1", "x", 0]),
    _message([]),
])
def test_malformed_messages_raise_protocol_error(blob):
    with pytest.raises(protocol.ProtocolError):
        protocol.decode(blob)


def test_nesting_past_the_limit_is_refused():
    tree = 1.0
    for _ in range(protocol.MAX_DEPTH + 3):
        tree = ["t", tree]
    with pytest.raises(protocol.ProtocolError):
        protocol.decode(_message(tree))


def test_plain_json_scalars_are_values():
    assert protocol.decode(_message(["t", 1, 2.5, None, True, "x"])) == (1, 2.5, None, True, "x")


def test_requests_roundtrip_with_handles_and_arrays():
    request = {"op": "call", "fn": "f", "args": [np.arange(3.0), protocol.Handle(2, "tuple", 5),
                                                 {"W": np.eye(2)}], "keep": [1]}
    back = protocol.decode_request(protocol.encode_request(request))
    assert back["args"][1] == protocol.Handle(2, "tuple", 5)
    assert np.array_equal(back["args"][2]["W"], np.eye(2))


def test_a_broken_request_is_a_protocol_error():
    with pytest.raises(protocol.ProtocolError):
        protocol.decode_request(b"not a pickle")


def test_requests_decode_even_where_the_student_replaced_numpy_in_sys_modules(monkeypatch):
    import sys
    import types

    strided = np.arange(24.0).reshape(2, 3, 4)[:, 1]  # neither C nor Fortran order
    blob = protocol.encode_request({"args": [np.arange(4.0).reshape(2, 2).T, np.float64(2.0),
                                             protocol.Handle(1, "tuple", 3), strided]})
    monkeypatch.setitem(sys.modules, "numpy", types.ModuleType("numpy"))
    monkeypatch.setitem(sys.modules, "numpy._core.numeric", types.ModuleType("fake"))
    args = protocol.decode_request(blob)["args"]
    assert np.array_equal(args[0], np.arange(4.0).reshape(2, 2).T) and args[1] == 2.0
    assert args[2] == protocol.Handle(1, "tuple", 3)
    assert np.array_equal(args[3], strided)


def test_a_request_may_only_refer_to_arrays_scalars_and_handles():
    import pickle

    with pytest.raises(protocol.ProtocolError):
        protocol.decode_request(pickle.dumps(struct.Struct))
