"""The in-kernel backend: the student's functions defined in a notebook's
kernel, called behind the same interface as a StudentProcess (calls.py).

nbgrader runs the student's code and the test cells in one kernel, so there is
no process to put between them; the kernel is the boundary nbgrader provides.
Calls still go through the worker's own code and a round trip of the wire
format, so the checks see exactly what they would see from a student process
(copies of arguments, plain arrays back, handles for caches). Time limits use
SIGALRM, so they hold in the kernel's main thread (where cells run).
"""

from __future__ import annotations

import contextlib
import signal
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path

from rnncourse.sandbox import protocol, worker
from rnncourse.sandbox.calls import Caller


class _OutOfTime(BaseException):
    """Raised into the student's code by SIGALRM when a call runs too long."""


class _Names:
    """The notebook's namespace, seen as a module (the worker calls getattr on it)."""

    def __init__(self, namespace: dict) -> None:
        self._namespace = namespace

    def __getattr__(self, name: str) -> object:
        return self._namespace.get(name)


class InKernelStudent(Caller):
    """The functions of ``namespace`` (a notebook's globals), as if they were
    the student's file ``filename``."""

    running = True

    def __init__(self, namespace: dict, filename: str) -> None:
        super().__init__()
        self.path = Path(filename)
        self.session = worker.Session(None, generation=1)
        self.session.module = _Names(namespace)
        self.session.student_dir = "\0"  # no file of the student's: no line numbers
        self.report = {"isolation": "notebook kernel"}

    def start(self, timeout: float) -> None:
        pass

    def stop(self) -> None:
        pass

    def reset(self) -> None:
        self.session.objects.clear()

    def _exchange(self, request: dict, timeout: float, functions: tuple[str, ...]) -> dict:
        copied = protocol.decode_request(protocol.encode_request(request))  # copies
        captured = self.session.captured
        try:
            with contextlib.redirect_stdout(captured), contextlib.redirect_stderr(captured), \
                    warnings.catch_warnings(), _time_limit(timeout):
                warnings.simplefilter("ignore")
                answer = worker.answer(self.session, copied)
        except _OutOfTime:
            answer = {"ok": False, "error": {"type": "_OutOfTime"}}
        if _ran_out_of_time(answer):
            raise self._ran_out_of_time(functions, timeout)
        reply = protocol.decode(self.session.encode(answer))
        return reply if isinstance(reply, dict) else {}

    def __enter__(self) -> InKernelStudent:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


def _ran_out_of_time(answer: dict) -> bool:
    answers = answer.get("replies", [answer]) if answer.get("ok") else [answer]
    return any(isinstance(item, dict) and not item.get("ok")
               and (item.get("error") or {}).get("type") == "_OutOfTime" for item in answers)


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Interrupt the code inside after ``seconds``, and every 50 ms after that, so
    that every call of a batch stops (main thread only; elsewhere no limit)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise _OutOfTime()

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 1e-3), 0.05)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
