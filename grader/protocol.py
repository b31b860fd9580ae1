"""The wire format between the judge and a student process.

A message is one bytes blob: a 4-byte length, a JSON header, then the raw
buffers of any arrays. The judge decodes what a student process sends without
unpickling anything and without running any of the student's code: arrays come
back as plain ``numpy.ndarray`` built from raw bytes, never as the objects the
student returned. Anything that is not a number, string, array, tuple, list,
dict or None stays inside the student process and is referred to by a handle.
"""

from __future__ import annotations

import json
import math
import struct
from dataclasses import dataclass

import numpy as np

_LENGTH = struct.Struct("<I")
_NUMERIC_KINDS = "biufc"
MAX_DEPTH = 16
MAX_ITEMS = 100_000
MAX_TEXT = 4000


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


def encode(message: object, keep: object = None) -> bytes:
    """Encode a message; ``keep(obj) -> Handle`` stores unsupported objects as
    handles (student side); without it they are rejected (judge side)."""
    buffers: list[bytes] = []
    tree = _encode(message, buffers, keep, 0)
    header = json.dumps({"tree": tree, "sizes": [len(b) for b in buffers]}).encode()
    return b"".join([_LENGTH.pack(len(header)), header, *buffers])


def _encode(value: object, buffers: list[bytes], keep: object, depth: int) -> object:
    if depth > MAX_DEPTH:
        return _store(value, keep)
    kind = type(value)
    if value is None:
        return {"t": "none"}
    if kind is bool or kind is np.bool_:
        return {"t": "bool", "v": bool(value)}
    if kind is int:
        return {"t": "int", "v": value} if abs(value) < 2**63 else {"t": "float", "v": float(value)}
    if kind is float:
        return {"t": "float", "v": value}
    if isinstance(value, np.generic) and kind in _SCALAR_TYPES:
        item = value.item()
        if kind().dtype.kind == "c":
            return {"t": "other", "type": f"numpy.{kind.__name__}"}
        return {"t": "float" if isinstance(item, float) else "int", "v": item, "np": kind.__name__}
    if kind is str:
        return {"t": "str", "v": value[:MAX_TEXT]}
    if kind is np.ndarray:
        if value.dtype.kind not in _NUMERIC_KINDS or value.dtype.hasobject:
            return {"t": "other", "type": f"numpy array of dtype {value.dtype}"}
        data = np.ascontiguousarray(value)
        buffers.append(data.tobytes())
        return {"t": "array", "dtype": data.dtype.str, "shape": list(data.shape),
                "buf": len(buffers) - 1}
    if kind is Handle:
        return {"t": "handle", "id": value.id, "gen": value.generation}
    if kind in (tuple, list):
        if len(value) > MAX_ITEMS:
            return {"t": "other", "type": f"{kind.__name__} of {len(value)} items"}
        return {"t": kind.__name__,
                "items": [_encode(item, buffers, keep, depth + 1) for item in value]}
    if kind is dict:
        if len(value) > MAX_ITEMS or not all(type(key) is str for key in value):
            return _store(value, keep)
        return {"t": "dict", "items": [[key[:MAX_TEXT], _encode(item, buffers, keep, depth + 1)]
                                       for key, item in value.items()]}
    return _store(value, keep)


_SCALAR_TYPES = {
    np.float64, np.float32, np.float16, np.longdouble,
    np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64,
    np.complex64, np.complex128,
}


def _store(value: object, keep: object) -> object:
    type_name = _type_name(value)
    if keep is None:
        return {"t": "other", "type": type_name}
    handle = keep(value)
    return {"t": "handle", "id": handle.id, "type": type_name, "gen": handle.generation}


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
    start = _LENGTH.size + header_size
    if start > len(blob):
        raise ProtocolError("header length beyond the message")
    try:
        header = json.loads(blob[_LENGTH.size:start].decode())
        sizes = header["sizes"]
        tree = header["tree"]
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as error:
        raise ProtocolError(f"bad header ({error})") from None
    if not isinstance(sizes, list) or not all(type(s) is int and s >= 0 for s in sizes):
        raise ProtocolError("bad buffer sizes")
    if start + sum(sizes) != len(blob):
        raise ProtocolError("buffer sizes do not add up to the message length")
    buffers = []
    offset = start
    for size in sizes:
        buffers.append(memoryview(blob)[offset:offset + size])
        offset += size
    return _decode(tree, buffers, 0)


def _decode(node: object, buffers: list, depth: int) -> object:
    if depth > MAX_DEPTH + 1 or not isinstance(node, dict):
        raise ProtocolError("malformed value")
    tag = node.get("t")
    if tag == "none":
        return None
    if tag == "bool":
        return _typed(node.get("v"), bool)
    if tag == "int":
        return _typed(node.get("v"), int)
    if tag == "float":
        value = node.get("v")
        if type(value) is int:
            value = float(value)
        return _typed(value, float)
    if tag == "str":
        return _typed(node.get("v"), str)[:MAX_TEXT]
    if tag == "array":
        return _decode_array(node, buffers)
    if tag == "handle":
        return Handle(_typed(node.get("id"), int), str(node.get("type", "object"))[:200],
                      _typed(node.get("gen", 0), int))
    if tag == "other":
        return Unsupported(str(node.get("type", "object"))[:200])
    if tag in ("tuple", "list"):
        items = node.get("items")
        if not isinstance(items, list) or len(items) > MAX_ITEMS:
            raise ProtocolError("malformed sequence")
        decoded = [_decode(item, buffers, depth + 1) for item in items]
        return tuple(decoded) if tag == "tuple" else decoded
    if tag == "dict":
        items = node.get("items")
        if not isinstance(items, list) or len(items) > MAX_ITEMS:
            raise ProtocolError("malformed dict")
        result = {}
        for pair in items:
            if not isinstance(pair, list) or len(pair) != 2 or type(pair[0]) is not str:
                raise ProtocolError("malformed dict item")
            result[pair[0]] = _decode(pair[1], buffers, depth + 1)
        return result
    raise ProtocolError(f"unknown value tag {tag!r}")


def _typed(value: object, kind: type) -> object:
    if type(value) is not kind:
        raise ProtocolError(f"expected {kind.__name__}")
    return value


_DTYPES: dict[str, np.dtype] = {}


def _dtype(name: object) -> np.dtype:
    if name not in _DTYPES:
        try:
            dtype = np.dtype(_typed(name, str))
        except TypeError:
            raise ProtocolError("bad dtype") from None
        if dtype.kind not in _NUMERIC_KINDS or dtype.hasobject or dtype.fields:
            raise ProtocolError("non-numeric dtype")
        if len(_DTYPES) < 64:
            _DTYPES[name] = dtype
        return dtype
    return _DTYPES[name]


def _decode_array(node: dict, buffers: list) -> np.ndarray:
    dtype = _dtype(node.get("dtype"))
    shape = node.get("shape")
    if not isinstance(shape, list) or len(shape) > 32 or not all(
        type(n) is int and n >= 0 for n in shape
    ):
        raise ProtocolError("bad shape")
    index = node.get("buf")
    if type(index) is not int or not 0 <= index < len(buffers):
        raise ProtocolError("bad buffer index")
    buffer = buffers[index]
    if len(buffer) != math.prod(shape) * dtype.itemsize:
        raise ProtocolError("array size does not match its buffer")
    return np.frombuffer(buffer, dtype=dtype).reshape(shape).copy()
