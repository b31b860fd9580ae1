"""Recorded calls: what a student edition knows of the reference instead of its code.

A record is one call of a trusted function (the reference's, or a known
mistake's) on some arguments, and what it returned. It is found again by a
hash of the call: exercise, function, and the arguments' structure (tuples,
lists, dicts and their keys in order), types, dtypes, shapes and exact bytes.

The public checks' inputs are fixed, so the same call gives the same hash on
every machine — unless a machine rounds the last bit of a fixed draw
differently (numpy's transcendental functions may differ by an ulp between
CPUs). So when no hash matches, a record with the same structure and shapes
whose arrays all agree to ``TOLERANCE`` in relative error stands in: 1e-12 is
ten thousand times the rounding of float64, and a millionth of the smallest
tolerance any check allows, so the answer it gives cannot change a verdict.

A reference's cache (the last thing a forward with a backward returns) is
never stored: it is recorded as a ``Handle`` that stands for it, and the
backward's record is keyed by that handle.

On disk (``records.npz``, float64, stored uncompressed: it loads faster than
it would decompress): per exercise, ``<id>.index``
holds the calls as JSON and ``<id>.float64`` every distinct float64 array
they use, end to end; other arrays go in members of their own.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rnncourse.checking.gradcheck import relative_error

TOLERANCE = 1e-12
FORMAT = 1


class NotRecorded(Exception):
    """A student edition was asked a call it holds no record of."""


class RecordError(ValueError):
    """A value that cannot be recorded (an object that is not plain data)."""


@dataclass(frozen=True)
class Handle:
    """Stands for a reference's cache in a student edition: it can only be handed
    back to the reference's backward."""

    token: str

    def __repr__(self) -> str:
        return "<a reference cache>"


@dataclass
class Encoded:
    """A call's arguments (or a result) as structure, leaves and hashes."""

    spec: object  # JSON-able; leaves appear as ["a", i] / ["f", i] / ["F", i]
    leaves: list[np.ndarray]
    key: str = ""
    signature: str = ""


def encode(value: object, handle_of: Callable[[object], str | None] | None = None) -> Encoded:
    """``value`` as structure and leaves. ``handle_of`` names objects that stand
    for a handle (in the recorder: the reference's own caches)."""
    leaves: list[np.ndarray] = []

    def walk(item: object) -> object:
        if isinstance(item, Handle):
            return ["h", item.token]
        if handle_of is not None:
            token = handle_of(item)
            if token is not None:
                return ["h", token]
        if isinstance(item, np.ndarray):
            if item.dtype.hasobject:
                raise RecordError("cannot record an array of Python objects")
            leaves.append(np.ascontiguousarray(item))
            return ["a", len(leaves) - 1]
        if type(item) is float:
            leaves.append(np.asarray(item, dtype=np.float64))
            return ["f", len(leaves) - 1]
        if isinstance(item, np.floating):
            leaves.append(np.asarray(item))
            return ["F", len(leaves) - 1]
        if type(item) is bool or isinstance(item, np.bool_):
            return ["b", bool(item), type(item) is bool]
        if type(item) is int:
            return ["i", item]
        if isinstance(item, np.integer):
            return ["I", int(item), item.dtype.str]
        if item is None:
            return ["n"]
        if type(item) is str:
            return ["s", item]
        if type(item) is tuple:
            return ["t", [walk(part) for part in item]]
        if type(item) is list:
            return ["l", [walk(part) for part in item]]
        if type(item) is dict:
            return ["d", [[walk(key), walk(part)] for key, part in item.items()]]
        raise RecordError(f"cannot record a value of type {type(item).__name__}")

    return Encoded(walk(value), leaves)


def call_key(exercise: str, function: str, arguments: tuple,
             handle_of: Callable[[object], str | None] | None = None) -> Encoded:
    """The encoded arguments of a call, with its key (exact bytes) and signature
    (structure, dtypes and shapes only: what a near match must share)."""
    encoded = encode(arguments, handle_of)
    head = json.dumps([exercise, function, encoded.spec], separators=(",", ":")).encode()
    key, signature = hashlib.sha256(head), hashlib.sha256(head)
    for leaf in encoded.leaves:
        shape = f"{leaf.dtype.str}{leaf.shape}".encode()
        key.update(shape)
        key.update(leaf.tobytes())
        signature.update(shape)
    encoded.key, encoded.signature = key.hexdigest()[:32], signature.hexdigest()[:32]
    return encoded


def call_arguments(args: tuple, kwargs: dict) -> tuple:
    """What a call's key is made of: its positional arguments, then its keyword
    arguments by name (if any)."""
    return args if not kwargs else (*args, dict(sorted(kwargs.items())))


def mistake_name(function: str, index: int) -> str:
    """The name under which the ``index``-th known mistake of ``function`` is recorded."""
    return f"{function}#mistake{index}"


def decode(spec: object, leaves: list[np.ndarray]) -> object:
    """The value of ``spec``, with fresh arrays: callers may change what they get."""
    assert isinstance(spec, list)
    tag = spec[0]
    if tag == "a":
        return leaves[spec[1]].copy()
    if tag == "f":
        return float(leaves[spec[1]])
    if tag == "F":
        return leaves[spec[1]][()]
    if tag == "b":
        return spec[1] if spec[2] else np.bool_(spec[1])
    if tag == "i":
        return spec[1]
    if tag == "I":
        return np.dtype(spec[2]).type(spec[1])
    if tag == "n":
        return None
    if tag == "s":
        return spec[1]
    if tag == "t":
        return tuple(decode(part, leaves) for part in spec[1])
    if tag == "l":
        return [decode(part, leaves) for part in spec[1]]
    if tag == "d":
        return {decode(key, leaves): decode(part, leaves) for key, part in spec[1]}
    if tag == "h":
        return Handle(spec[1])
    raise ValueError(f"unknown record tag {tag!r}")


# ----------------------------------------------------------------------------
# Writing (at release time)


@dataclass
class _ExerciseRecords:
    calls: dict[str, dict] = field(default_factory=dict)
    arrays: list[np.ndarray] = field(default_factory=list)
    array_ids: dict[bytes, int] = field(default_factory=dict)
    meta: dict = field(default_factory=dict)

    def leaf_ids(self, leaves: list[np.ndarray]) -> list[int]:
        ids = []
        for leaf in leaves:
            digest = hashlib.sha256(f"{leaf.dtype.str}{leaf.shape}".encode()
                                    + leaf.tobytes()).digest()
            if digest not in self.array_ids:
                self.array_ids[digest] = len(self.arrays)
                self.arrays.append(leaf.copy())
            ids.append(self.array_ids[digest])
        return ids


class RecordWriter:
    """Collects calls, then writes them as records.npz. Thread-safe: the engine
    checks several exercises at once."""

    def __init__(self) -> None:
        self._exercises: dict[str, _ExerciseRecords] = {}
        self._lock = threading.Lock()

    def has(self, exercise: str, key: str) -> bool:
        with self._lock:
            return key in self._exercises.get(exercise, _ExerciseRecords()).calls

    def add(self, exercise: str, function: str, call: Encoded, output: object = None,
            raised: str | None = None) -> None:
        """Record that the call ``call`` (from call_key) returned ``output`` (or
        raised an exception of type ``raised``). A second, different outcome for
        the same call means the function is not deterministic: an error."""
        result = None if raised is not None else encode(output)
        with self._lock:
            records = self._exercises.setdefault(exercise, _ExerciseRecords())
            entry: dict = {"function": function, "signature": call.signature,
                           "inputs": call.spec, "input_leaves": records.leaf_ids(call.leaves)}
            if result is None:
                entry["raised"] = raised
            else:
                entry["output"] = result.spec
                entry["output_leaves"] = records.leaf_ids(result.leaves)
            known = records.calls.get(call.key)
            if known is not None and known != entry:
                raise RecordError(f"{exercise}.{function} gave two different results for the "
                                  "same inputs: it must be deterministic to be recorded")
            records.calls[call.key] = entry

    def set_meta(self, exercise: str, **meta: object) -> None:
        with self._lock:
            self._exercises.setdefault(exercise, _ExerciseRecords()).meta.update(meta)

    def count(self) -> int:
        with self._lock:
            return sum(len(records.calls) for records in self._exercises.values())

    def save(self, path: Path) -> None:
        members: dict[str, np.ndarray] = {}
        with self._lock:
            for exercise, records in sorted(self._exercises.items()):
                layout, chunks, offset = [], [], 0
                for index, array in enumerate(records.arrays):
                    if array.dtype == np.float64:
                        layout.append(["float64", offset, list(array.shape)])
                        chunks.append(array.reshape(-1))
                        offset += array.size
                    else:
                        name = f"{exercise}.a{index}"
                        members[name] = array
                        layout.append(["member", name, list(array.shape)])
                outputs = {key: {name: value for name, value in entry.items()
                                 if name in _OUTPUT_FIELDS}
                           for key, entry in records.calls.items()}
                inputs = {key: {name: value for name, value in entry.items()
                                if name not in _OUTPUT_FIELDS}
                          for key, entry in records.calls.items()}
                index_data = {"format": FORMAT, "meta": records.meta, "layout": layout,
                              "calls": outputs}
                members[f"{exercise}.index"] = _json_bytes(index_data)
                members[f"{exercise}.inputs"] = _json_bytes(inputs)
                members[f"{exercise}.float64"] = (np.concatenate(chunks) if chunks
                                                  else np.zeros(0))
        with open(path, "wb") as file:
            np.savez(file, **members)  # type: ignore[arg-type]


_OUTPUT_FIELDS = ("function", "output", "output_leaves", "raised")


def _json_bytes(data: object) -> np.ndarray:
    return np.frombuffer(json.dumps(data, separators=(",", ":"), sort_keys=True).encode(),
                         dtype=np.uint8)


# ----------------------------------------------------------------------------
# Reading (in a student edition)


class ExerciseRecords:
    """The records of one exercise, loaded from records.npz."""

    def __init__(self, exercise: str, data: dict, array: Callable[[int], np.ndarray],
                 inputs: Callable[[], dict[str, dict]]) -> None:
        self.exercise = exercise
        self.meta: dict = data["meta"]
        self.calls: dict[str, dict] = data["calls"]
        self.array = array  # the index-th stored array
        self._read_inputs = inputs
        self._inputs: dict[str, dict] | None = None
        self._by_signature: dict[tuple[str, str], list[str]] = {}
        self._lock = threading.Lock()

    def _near_candidates(self, function: str, signature: str) -> list[tuple[str, dict]]:
        """The records of ``function`` with ``signature`` and their inputs, read on
        the first near match needed (an exact match, the usual case, needs none)."""
        with self._lock:
            if self._inputs is None:
                self._inputs = self._read_inputs()
                for key, entry in self._inputs.items():
                    self._by_signature.setdefault(
                        (self.calls[key]["function"], entry["signature"]), []).append(key)
            inputs = self._inputs
        return [(key, inputs[key]) for key in self._by_signature.get((function, signature), ())]

    def lookup(self, function: str, arguments: tuple) -> dict:
        """The record of ``function`` called with ``arguments``: the exact one, or
        else one whose arrays agree to TOLERANCE. Raises NotRecorded."""
        call = call_key(self.exercise, function, arguments)
        entry = self.calls.get(call.key)
        if entry is not None:
            return entry
        best, best_error = None, TOLERANCE
        for key, inputs in self._near_candidates(function, call.signature):
            error = self._distance(call, inputs)
            if error is not None and error <= best_error:
                best, best_error = self.calls[key], error
        if best is None:
            raise NotRecorded(f"the student edition has no recorded result of {function} for "
                              "these inputs, so this check cannot be decided here (it is when "
                              "your work is graded); please tell your instructor")
        return best

    def _distance(self, call: Encoded, entry: dict) -> float | None:
        if entry["inputs"] != call.spec:  # same signature: differs only in values
            return None
        error = 0.0
        for leaf, stored in zip(call.leaves, entry["input_leaves"]):
            error = max(error, relative_error(leaf, self.array(stored)))
        return error

    def value(self, entry: dict) -> object:
        """What a record says the call returned (raises RecordedRaise if it raised)."""
        if "raised" in entry:
            raise RecordedRaise(entry["raised"])
        return decode(entry["output"], [self.array(i) for i in entry["output_leaves"]])


class RecordedRaise(Exception):
    """A recorded call raised an exception, of the type named."""


class Records:
    """records.npz, read one exercise at a time, on first use (`rnncourse check
    lstm` reads only the LSTM's records)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._loaded: dict[str, ExerciseRecords | None] = {}
        self._archive = None
        self._lock = threading.Lock()

    def exercise(self, exercise: str) -> ExerciseRecords | None:
        with self._lock:
            if exercise not in self._loaded:
                self._loaded[exercise] = self._load(exercise)
            return self._loaded[exercise]

    def _load(self, exercise: str) -> ExerciseRecords | None:
        try:
            if self._archive is None:  # kept open: its directory is read once
                self._archive = np.load(self.path, allow_pickle=False)
            archive = self._archive
            if f"{exercise}.index" not in archive.files:
                return None
            data = json.loads(archive[f"{exercise}.index"].tobytes())
            flat = archive[f"{exercise}.float64"]
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as error:
            raise NotRecorded(f"{self.path}: the recorded results cannot be read "
                              f"({error})") from None
        layout = data["layout"]

        def array(index: int) -> np.ndarray:  # made when asked: a run needs few of them
            kind, where, shape = layout[index]
            if kind == "float64":
                return flat[where:where + math.prod(shape)].reshape(shape)
            with self._lock:
                assert self._archive is not None
                return self._archive[where]

        return ExerciseRecords(exercise, data, array,
                               lambda: self._member(f"{exercise}.inputs"))

    def _member(self, name: str) -> dict:
        with self._lock:
            assert self._archive is not None  # opened by _load, before any lookup
            return json.loads(self._archive[name].tobytes())
