"""The student's exercise files as a lab sees them: functions to call, whose
results are checked for the shapes and values a lab can build on.

Any problem on the student's side (a file missing, a function not written yet,
an exception, a wrong shape, a NaN) becomes a ``LabError``: one line naming the
function, which the lab command reports with exit code 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rnncourse.checking.values import array_problem, describe
from rnncourse.sandbox.process import StudentError, StudentProcess

CALL_TIMEOUT = 120.0  # seconds for one call: a lab's calls are larger than a check's


class LabError(Exception):
    """The student's code stopped a lab (exit code 1)."""


@dataclass(frozen=True)
class Array:
    """An output that must be a finite float64 array of this shape."""

    name: str
    shape: tuple[int, ...]


@dataclass(frozen=True)
class Kept:
    """An output that stays in the student's process (a cache)."""

    name: str


class StudentCode:
    """One process per exercise file of ``folder``, started on first use."""

    def __init__(self, folder: Path, memory_mb: int = 2048,
                 timeout: float = CALL_TIMEOUT) -> None:
        self.folder = Path(folder)
        self.memory_mb = memory_mb
        self.timeout = timeout
        self._processes: dict[str, StudentProcess] = {}

    def call(self, exercise: str, function: str, *args: object,
             outputs: tuple[Array | Kept, ...]) -> tuple:
        """``function`` of ``<exercise>.py`` on ``args``; its outputs, each vetted
        against ``outputs`` (Kept ones come back as handles to pass on)."""
        keep = tuple(index for index, spec in enumerate(outputs) if isinstance(spec, Kept))
        try:
            value = self._process(exercise).call(function, args, keep, timeout=self.timeout).value
        except StudentError as error:
            raise LabError(f"{error}{_advice(exercise)}") from None
        if not isinstance(value, (tuple, list)) or len(value) != len(outputs):
            names = ", ".join(spec.name for spec in outputs)
            raise LabError(f"{function} returned {describe(value)}; expected a tuple ({names})"
                           f"{_advice(exercise)}")
        for spec, item in zip(outputs, value):
            problem = _problem(spec, item)
            if problem:
                raise LabError(f"{function}: {problem}{_advice(exercise)}")
        return tuple(value)

    def clip(self, grads: dict[str, np.ndarray], max_norm: float) -> tuple[dict, float]:
        """The student's clip_by_global_norm on ``grads``, checked: the norm it reports
        is the global norm, and the clipped arrays are the inputs times one factor,
        min(1, max_norm / norm)."""
        function = "clip_by_global_norm"
        try:
            value = self._process("clipping").call(function, (grads, max_norm),
                                                   timeout=self.timeout).value
        except StudentError as error:
            raise LabError(f"{error}{_advice('clipping')}") from None
        if not (isinstance(value, (tuple, list)) and len(value) == 2
                and isinstance(value[0], dict) and set(value[0]) == set(grads)):
            raise LabError(f"{function} returned {describe(value)}; expected (clipped, norm) "
                           f"with clipped a dict of the same keys{_advice('clipping')}")
        clipped, norm = value
        true_norm = float(np.sqrt(sum(float(np.sum(g * g)) for g in grads.values())))
        if type(norm) not in (int, float) or not _close(float(norm), true_norm):
            raise LabError(f"{function} returned the norm {describe(norm)}; the global norm of "
                           f"the gradients is {true_norm:.6g}{_advice('clipping')}")
        scale = min(1.0, max_norm / true_norm) if true_norm > 0 else 1.0
        for name, grad in grads.items():
            problem = _problem(Array(f"clipped[{name!r}]", grad.shape), clipped[name])
            if problem is None and not _close_arrays(clipped[name], grad * scale):
                problem = (f"clipped[{name!r}] is not the gradient scaled by "
                           f"min(1, max_norm / norm) = {scale:.6g}")
            if problem:
                raise LabError(f"{function}: {problem}{_advice('clipping')}")
        return clipped, float(norm)

    def forget(self, exercise: str) -> None:
        """Drop the caches kept in ``exercise``'s process (done with its next call)."""
        if exercise in self._processes:
            self._processes[exercise].reset()

    def restart(self) -> None:
        """Stop every process: after Ctrl-C a reply may still be on its way, so the
        next call starts a fresh process rather than read a stale answer."""
        for process in self._processes.values():
            process.stop()

    def close(self) -> None:
        self.restart()
        self._processes.clear()

    def __enter__(self) -> StudentCode:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _process(self, exercise: str) -> StudentProcess:
        if exercise not in self._processes:
            path = self.folder / f"{exercise}.py"
            if not path.is_file():
                raise LabError(f"{exercise}.py is missing from {self.folder}: this lab runs "
                               f"your {exercise}.py")
            self._processes[exercise] = StudentProcess(path, self.memory_mb)
        return self._processes[exercise]


def _advice(exercise: str) -> str:
    return f" — `rnncourse check {exercise}` shows what to fix"


def _problem(spec: Array | Kept, value: object) -> str | None:
    return None if isinstance(spec, Kept) else array_problem(value, spec.shape, spec.name)


def _close(a: float, b: float, tolerance: float = 1e-6) -> bool:
    return abs(a - b) <= tolerance * max(abs(a), abs(b), 1e-300)


def _close_arrays(a: np.ndarray, b: np.ndarray, tolerance: float = 1e-6) -> bool:
    scale = float(np.max(np.abs(b))) if b.size else 0.0
    return bool(np.max(np.abs(a - b), initial=0.0) <= tolerance * max(scale, 1e-300))
