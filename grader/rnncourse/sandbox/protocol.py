"""The wire format between the judge and a student process.

What a student process sends is one bytes blob: a 4-byte length, a JSON header
(the value as a tree of lists, and the buffer sizes), then the raw buffers of
any arrays. The judge decodes it without unpickling anything and without
running any of the student's code: arrays come back as plain ``numpy.ndarray``
built from raw bytes, never as the objects the student returned. Anything
that is not a number, string, array, tuple, list, dict or None stays inside
the student process and is referred to by a handle.

The judge's own requests go the other way pickled (encode_request): they hold
only data the judge built, and only the student's process unpickles them.
"""

from __future__ import annotations

import io
import json
import math
import pickle
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

_LENGTH = struct.Struct("<I")
_NUMERIC_KINDS = "biufc"
MAX_DEPTH = 16
MAX_ITEMS = 100_000
MAX_TEXT = 4000
# The largest message a student process may send, and the largest JSON header in
# it: what the judge reads and decodes per reply, so what one reply can cost it
# in memory and time. Under strict isolation (class grading) the frame limit is
# MAX_FRAME: the largest honest reply over the course's checks, hidden ones
# included, is about 23 kB with a header under 1 kB (measured over twenty runs;
# tests/sandbox/test_containment.py keeps it under a quarter of the limits).
# A student's own process on their own machine (check, labs: whole training
# batches cross) may send up to MAX_OWN_FRAME.
MAX_FRAME = 8 << 20
MAX_OWN_FRAME = 256 << 20
MAX_HEADER = 1 << 20
_T = TypeVar("_T")


class ProtocolError(Exception):
    """A message that does not follow the format (a broken or lying sender)."""


@dataclass(frozen=True)
class Handle:
    """An object kept inside the student process (a cache, say)."""

    id: int
    type_name: str = "object"
    generation: int = 0


@dataclass(frozen=True)
class Unsupported:
    """A value the student returned that cannot cross as plain data."""

    type_name: str

    def __str__(self) -> str:
        return self.type_name


Keep = Callable[[object], Handle]
"""Stores an object in the student process and returns its handle."""


def frame_limit(isolation: str) -> int:
    """The largest reply a student process under ``isolation`` may send."""
    return MAX_FRAME if isolation == "strict" else MAX_OWN_FRAME


def encode(message: object, keep: Keep | None = None) -> bytes:
    """Encode a message; ``keep(obj) -> Handle`` stores unsupported objects as
    handles (student side); without it they are rejected (judge side)."""
    buffers: list[bytes | memoryview] = []
    tree = _encode(message, buffers, keep, 0)
    header = json.dumps([tree, [len(b) for b in buffers]]).encode()
    return b"".join([_LENGTH.pack(len(header)), header, *buffers])


def encode_request(message: object) -> bytes:
    """Encode a request of the judge: trusted data (numbers, strings, arrays,
    handles) for the student process, pickled because that is several times
    faster. Only the student's process ever unpickles; the judge never does."""
    return pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)


def decode_request(blob: bytes) -> object:
    """A request of the judge, in the student's process (see encode_request)."""
    try:
        return _RequestUnpickler(io.BytesIO(blob)).load()
    except Exception as error:  # noqa: BLE001 - any failure means a broken channel
        raise ProtocolError(f"bad request ({type(error).__name__})") from None


class _RequestUnpickler(pickle.Unpickler):
    """Finds the few classes and functions a request refers to (arrays, numpy
    scalars, handles) among those this module saw when it loaded, never in
    sys.modules: in its own process, the student's code may have replaced a
    module there, and must not break the channel by doing so."""

    def find_class(self, module: str, name: str) -> object:
        try:
            return _REQUEST_GLOBALS[module, name]
        except KeyError:
            raise pickle.UnpicklingError(f"{module}.{name} in a request") from None


def _request_globals() -> dict[tuple[str, str], object]:
    """What unpickling every kind of value a request may hold looks up: arrays
    in C, Fortran or no contiguous order, numpy scalars, handles."""
    seen: dict[tuple[str, str], object] = {}

    class Recorder(pickle.Unpickler):
        def find_class(self, module: str, name: str) -> object:
            seen[module, name] = found = super().find_class(module, name)
            return found

    arrays = [np.zeros((2, 3), dtype=kind) for kind in
              (np.float64, np.float32, np.int64, np.int32, np.bool_, np.uint8)]
    samples = [*arrays, *(a.T for a in arrays), *(a[:, ::2] for a in arrays), np.zeros(0),
               *(kind(1) for kind in _SCALAR_TYPES), np.bool_(True), Handle(1, "tuple", 1)]
    Recorder(io.BytesIO(encode_request(samples))).load()
    return seen


# A value is a JSON scalar (None, bool, int, float, str) or a list whose first
# item says what it holds: ["t", items...] a tuple, ["l", items...] a list,
# ["d", key, value, key, value...] a dict with str keys, ["a", dtype, shape,
# buffer index] an array, ["h", id, type, generation] a handle, ["o", type] a
# value that stays behind. Lists are cheaper to build and to walk than dicts.


# Exact types, not isinstance: a subclass is not plain data. ``type(value) is``
# rather than ``kind is`` where the branch uses the value, so that type checkers
# narrow it.
def _encode(value: object, buffers: list[bytes | memoryview], keep: Keep | None,
            depth: int) -> object:
    kind = type(value)
    if kind is float or kind is bool or value is None:
        return value
    if type(value) is int:
        return value if -2**63 < value < 2**63 else float(value)
    if type(value) is str:
        return value[:MAX_TEXT]
    if depth > MAX_DEPTH:
        return _store(value, keep)
    if type(value) is np.ndarray:
        if value.dtype.kind not in _NUMERIC_KINDS or value.dtype.hasobject:
            return ["o", f"numpy array of dtype {value.dtype}"]
        data = value if value.flags.c_contiguous else np.ascontiguousarray(value)
        buffers.append(data.data.cast("B") if data.size else b"")
        return ["a", data.dtype.str, list(data.shape), len(buffers) - 1]
    if type(value) is tuple or type(value) is list:
        if len(value) > MAX_ITEMS:
            return ["o", f"{kind.__name__} of {len(value)} items"]
        return ["t" if kind is tuple else "l",
                *[_encode(item, buffers, keep, depth + 1) for item in value]]
    if type(value) is dict:
        if len(value) > MAX_ITEMS or not all(type(key) is str for key in value):
            return _store(value, keep)
        items: list[object] = ["d"]
        for key, item in value.items():
            items += (key[:MAX_TEXT], _encode(item, buffers, keep, depth + 1))
        return items
    if kind is np.bool_:
        return bool(value)
    if kind in _SCALAR_TYPES and isinstance(value, np.generic):  # isinstance narrows only
        if value.dtype.kind == "c":
            return ["o", f"numpy.{kind.__name__}"]
        item = value.item()
        return item if type(item) is float else _encode(item, buffers, keep, depth)
    if type(value) is Handle:
        return ["h", value.id, value.type_name, value.generation]
    return _store(value, keep)


_SCALAR_TYPES = {
    np.float64, np.float32, np.float16, np.longdouble,
    np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64,
    np.complex64, np.complex128,
}


def _store(value: object, keep: Keep | None) -> object:
    type_name = _type_name(value)
    if keep is None:
        return ["o", type_name]
    handle = keep(value)
    return ["h", handle.id, type_name, handle.generation]


def _type_name(value: object) -> str:
    kind = type(value)
    module = getattr(kind, "__module__", "") or ""
    name = getattr(kind, "__qualname__", "object")
    if isinstance(value, np.ndarray):
        return f"{module}.{name} (a numpy array subclass)"
    return str(name if module in ("builtins", "") else f"{module}.{name}")[:200]


def decode(blob: bytes) -> object:
    """Decode a message from an untrusted sender into plain data."""
    if not isinstance(blob, (bytes, bytearray)) or len(blob) < _LENGTH.size:
        raise ProtocolError("message too short")
    (header_size,) = _LENGTH.unpack_from(blob)
    if header_size > MAX_HEADER:
        raise ProtocolError(f"header of {header_size} bytes, over the limit of {MAX_HEADER}")
    start = _LENGTH.size + header_size
    if start > len(blob):
        raise ProtocolError("header length beyond the message")
    try:
        tree, sizes = json.loads(blob[_LENGTH.size:start].decode())
    except (ValueError, TypeError, UnicodeDecodeError, RecursionError) as error:
        raise ProtocolError(f"bad header ({error})") from None
    if type(sizes) is not list or not all(type(s) is int and s >= 0 for s in sizes):
        raise ProtocolError("bad buffer sizes")
    if start + sum(sizes) != len(blob):
        raise ProtocolError("buffer sizes do not add up to the message length")
    view = memoryview(blob)
    buffers: list[memoryview] = []
    offset = start
    for size in sizes:
        buffers.append(view[offset:offset + size])
        offset += size
    return _decode(tree, buffers, 0)


def _decode(node: object, buffers: list[memoryview], depth: int) -> object:
    kind = type(node)
    if kind is float or kind is int or kind is bool or node is None:
        return node
    if type(node) is list:
        if not node or depth > MAX_DEPTH + 1 or len(node) > MAX_ITEMS + 1:
            raise ProtocolError("malformed value")
        tag = node[0]
        if tag == "a":
            return _decode_array(node, buffers)
        if tag == "t":
            return tuple([_decode(item, buffers, depth + 1) for item in node[1:]])
        if tag == "l":
            return [_decode(item, buffers, depth + 1) for item in node[1:]]
        if tag == "d":
            return _decode_dict(node, buffers, depth)
        if tag == "h" and len(node) == 4:
            return Handle(_typed(node[1], int), str(node[2])[:200], _typed(node[3], int))
        if tag == "o" and len(node) == 2:
            return Unsupported(str(node[1])[:200])
        raise ProtocolError(f"unknown value tag {str(tag)[:20]!r}")
    if type(node) is str:
        return node[:MAX_TEXT]
    raise ProtocolError("malformed value")


def _decode_dict(node: list[object], buffers: list[memoryview], depth: int) -> dict[str, object]:
    if len(node) % 2 != 1:
        raise ProtocolError("malformed dict")
    result: dict[str, object] = {}
    for index in range(1, len(node), 2):
        key = node[index]
        if type(key) is not str:
            raise ProtocolError("malformed dict item")
        result[key] = _decode(node[index + 1], buffers, depth + 1)
    return result


def _typed(value: object, kind: type[_T]) -> _T:
    if type(value) is not kind:
        raise ProtocolError(f"expected {kind.__name__}")
    return value


_DTYPES: dict[str, np.dtype] = {}


def _dtype(name: object) -> np.dtype:
    # Checked to be a str first: an unhashable name (a list) would raise TypeError
    # in the look-up, past the callers that expect a ProtocolError.
    name = _typed(name, str)
    if name not in _DTYPES:
        try:
            dtype = np.dtype(name)
        except TypeError:
            raise ProtocolError("bad dtype") from None
        if dtype.kind not in _NUMERIC_KINDS or dtype.hasobject or dtype.fields:
            raise ProtocolError("non-numeric dtype")
        if len(_DTYPES) < 64:
            _DTYPES[name] = dtype
        return dtype
    return _DTYPES[name]


def _decode_array(node: list[object], buffers: list[memoryview]) -> np.ndarray:
    if len(node) != 4:
        raise ProtocolError("malformed array")
    _, dtype_name, shape, index = node
    dtype = _dtype(dtype_name)
    if type(shape) is not list or len(shape) > 32 or not all(
        type(n) is int and n >= 0 for n in shape
    ):
        raise ProtocolError("bad shape")
    if type(index) is not int or not 0 <= index < len(buffers):
        raise ProtocolError("bad buffer index")
    buffer = buffers[index]
    if len(buffer) != math.prod(shape) * dtype.itemsize:
        raise ProtocolError("array size does not match its buffer")
    return np.frombuffer(buffer, dtype=dtype).reshape(shape).copy()


_REQUEST_GLOBALS = _request_globals()
