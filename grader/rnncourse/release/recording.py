"""Recording the reference's and the known mistakes' answers, as checks ask them.

While the release runs the public checks on its students, the engine takes
its ``reference`` fixture and diagnosis its known mistakes from a Recorder
(installed with checking.references.using). Every call is made on the real
solution module, and recorded with what it returned (checking/records.py).

Every call of the reference on some arguments is also a call that diagnosis
may make of the known mistakes of that function, on the same arguments, once
a student's output differs: so those are recorded at once, whether or not a
student of the release got there. For a backward, diagnosis passes the
forward's arguments and then the upstream gradients; the recorder knows the
forward's arguments from the cache it was handed (the reference's own).
"""

from __future__ import annotations

import threading

import numpy as np

from rnncourse.checking.diagnosis import live_mistakes
from rnncourse.checking.records import (
    Encoded,
    Handle,
    RecordError,
    RecordWriter,
    call_arguments,
    call_key,
    mistake_name,
)
from rnncourse.checking.references import Live
from rnncourse.checking.values import copies
from rnncourse.course.manifest import Course, Exercise


def has_cache(exercise: Exercise, function: str) -> bool:
    """Whether ``function`` returns a cache for its backward as its last value:
    a forward whose exercise has the matching backward (the course's API)."""
    return function.endswith("forward") and \
        function[:-len("forward")] + "backward" in exercise.functions


class Recording:
    """A solution module whose function calls are recorded."""

    def __init__(self, recorder: Recorder, exercise: Exercise, module: object) -> None:
        self._recorder = recorder
        self._exercise = exercise
        self._module = module

    def __getattr__(self, name: str):
        value = getattr(self._module, name)
        if not callable(value):
            raise RecordError(f"a check read {name!r} from the reference of "
                              f"'{self._exercise.id}': only calls can be recorded")

        def call(*args, **kwargs):
            return self._recorder.call(self._exercise, self._module, name, args, kwargs)

        return call


class Recorder:
    """A source of trusted answers (checking.references.Source) that records them."""

    def __init__(self, course: Course) -> None:
        self.course = course
        self.writer = RecordWriter()
        self._live = Live()
        self._handles: dict[int, tuple[str, object, tuple]] = {}
        self._variants: dict[str, dict] = {}
        self._results: dict[tuple[str, str], tuple[object, Exception | None]] = {}
        self._lock = threading.RLock()
        for exercise in course.exercises:
            module = self._live.reference(course, exercise)
            variants = self._variants_of(exercise.id, module)
            self.writer.set_meta(
                exercise.id, functions=list(exercise.functions),
                needs_reference=not live_mistakes(exercise.id, None) and bool(variants),
                mistakes={function: [name for name, _ in items]
                          for function, items in variants.items()})

    # -- the Source protocol

    def reference(self, course: Course, exercise: Exercise) -> object:
        return Recording(self, exercise, self._live.reference(course, exercise))

    def mistakes(self, exercise_id: str, reference: object) -> dict | None:
        if reference is None:
            variants = live_mistakes(exercise_id, None)
        else:
            variants = self._variants_of(exercise_id, self._raw(reference, exercise_id))
        return {function: [(name, self._recorded_variant(exercise_id, function, index, variant))
                           for index, (name, variant) in enumerate(items)]
                for function, items in variants.items()}

    def sibling(self, reference: object, file: str) -> object:
        exercise = next(e for e in self.course.exercises if e.file == file)
        return self.reference(self.course, exercise)

    # -- recording

    def call(self, exercise: Exercise, module: object, function: str, args: tuple,
             kwargs: dict) -> object:
        arguments = call_arguments(args, kwargs)
        key = call_key(exercise.id, function, arguments, self._handle_of)
        forward_args = self._forward_arguments(arguments)
        output = getattr(module, function)(*args, **kwargs)
        stored = output
        if has_cache(exercise, function) and isinstance(output, tuple) and output:
            with self._lock:  # the cache is kept alive, so its id stays its own
                self._handles[id(output[-1])] = (key.key, output[-1], copies(arguments))
            stored = (*output[:-1], Handle(key.key))
        self.writer.add(exercise.id, function, key, stored)
        self._record_variants(exercise.id, module, function, forward_args)
        return output

    def _handle_of(self, value: object) -> str | None:
        with self._lock:
            entry = self._handles.get(id(value))
        return entry[0] if entry is not None and entry[1] is value else None

    def _forward_arguments(self, arguments: tuple) -> tuple:
        """The arguments diagnosis gives the mistakes of the function called with
        ``arguments``: caches replaced by the forward's arguments, put first."""
        forward: list = []
        rest = []
        for value in arguments:
            with self._lock:
                entry = self._handles.get(id(value))
            if entry is not None and entry[1] is value:
                forward += entry[2]
            else:
                rest.append(value)
        return (*forward, *rest)

    def _record_variants(self, exercise_id: str, module: object, function: str,
                         arguments: tuple) -> None:
        for index, (_, variant) in enumerate(
                self._variants_of(exercise_id, module).get(function, ())):
            try:
                self._run_variant(exercise_id, function, index, variant, arguments)
            except Exception:  # noqa: BLE001, S110 - recorded as raised
                pass

    def _run_variant(self, exercise_id: str, function: str, index: int, variant,
                     arguments: tuple) -> object:
        """The variant's result on ``arguments``, recorded; computed once (some
        variants take numeric gradients), then handed out as copies."""
        name = mistake_name(function, index)
        key = call_key(exercise_id, name, arguments)
        with self._lock:
            known = self._results.get((exercise_id, key.key))
        if known is None:
            try:
                with np.errstate(all="ignore"):
                    known = (variant(*copies(arguments)), None)
            except Exception as error:  # noqa: BLE001 - recorded: diagnosis skips it too
                known = (None, error)
            with self._lock:
                self._results[(exercise_id, key.key)] = known
            output, error = known
            self._add(exercise_id, name, key, output,
                      None if error is None else type(error).__name__)
        output, error = known
        if error is not None:
            raise error
        return copies((output,))[0]

    def _add(self, exercise_id: str, name: str, key: Encoded, output: object = None,
             raised: str | None = None) -> None:
        if not self.writer.has(exercise_id, key.key):
            self.writer.add(exercise_id, name, key, output, raised)

    def _recorded_variant(self, exercise_id: str, function: str, index: int, variant):
        def wrong(*args):
            return self._run_variant(exercise_id, function, index, variant, args)

        return wrong

    def _variants_of(self, exercise_id: str, module: object) -> dict:
        """The live variants of an exercise, built on the real solution module."""
        with self._lock:
            if exercise_id not in self._variants:
                self._variants[exercise_id] = live_mistakes(exercise_id, module)
            return self._variants[exercise_id]

    def _raw(self, reference: object, exercise_id: str) -> object:
        if isinstance(reference, Recording):
            return reference._module
        return reference
