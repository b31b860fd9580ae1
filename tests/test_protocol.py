"""The wire format: plain data round-trips; anything else never becomes live objects."""

import json
import struct

import numpy as np
import pytest
from rnncourse import protocol


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
    header = json.dumps({"tree": tree, "sizes": [len(b) for b in buffers]}).encode()
    return struct.pack("<I", len(header)) + header + b"".join(buffers)


@pytest.mark.parametrize("blob", [
    b"", b"\x00\x00", struct.pack("<I", 999) + b"{}",
    _message({"t": "array", "dtype": "<f8", "shape": [3], "buf": 0}, [b"\x00" * 8]),
    _message({"t": "array", "dtype": "|O", "shape": [1], "buf": 0}, [b"\x00" * 8]),
    _message({"t": "array", "dtype": "<f8", "shape": [-1], "buf": 0}, [b""]),
    _message({"t": "pickle", "v": "cos\nsystem\n"}),
    _message({"t": "int", "v": "1"}),
    _message({"t": "dict", "items": [[1, {"t": "none"}]]}),
])
def test_malformed_messages_raise_protocol_error(blob):
    with pytest.raises(protocol.ProtocolError):
        protocol.decode(blob)
