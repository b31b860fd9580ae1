"""The judge's side of a student process: start it, call into it, stop it.

Each student file is imported in a process of its own, forked from a clean
fork server (forkserver.py) that holds numpy and the worker code only — never
solutions, checks or gradebooks; in class grading, a process may be handed on
to the student's next file instead (hand_over, sharedstate.py). The judge
exchanges plain data with it (protocol.py), bounds every wait by the time the
current check has left, and kills the whole process group on a timeout.
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

from rnncourse.sandbox import forkserver, protocol
from rnncourse.sandbox.calls import Call, Caller, StudentError, import_failure, text
from rnncourse.sandbox.channel import Channel, ChannelClosed, ChannelTimeout, MessageTooLarge

__all__ = ["Call", "StudentError", "StudentProcess"]


@dataclass
class Running:
    """A live student process: what hand_over passes from one StudentProcess to
    the next."""

    pid: int
    channel: Channel
    generation: int
    report: dict


class StudentProcess(Caller):
    """One student file imported in its own process."""

    def __init__(self, path: Path, memory_mb: int = 2048, workdir: Path | None = None,
                 isolation: str = "basic", deny: tuple[Path, ...] = (),
                 deadline: float | None = None) -> None:
        """``isolation`` "basic": own process, memory cap. "strict" (class grading):
        also no access outside ``workdir`` (nor to the ``deny`` trees or the
        rnncourse package), no network, no signals, no new processes — see
        worker.strict_isolation. ``report`` says what held once started.
        ``deadline`` (time.monotonic()): no wait for a reply lasts past it,
        whatever time the current call has left."""
        if isolation not in ("basic", "strict"):
            raise ValueError(f"unknown isolation {isolation!r}")
        super().__init__()
        self.path = Path(path).resolve()
        self.memory_mb = memory_mb
        self.workdir = workdir
        self.isolation = isolation
        self.deny = tuple(str(Path(p).resolve()) for p in deny)
        self.deadline = deadline
        self.max_reply = protocol.frame_limit(isolation)
        self.report: dict = {}
        self.generation = 0
        self.import_output = ""
        self._pid: int | None = None
        self._conn: Channel | None = None
        self._broken: StudentError | None = None
        self._reset_pending = False
        self._importing = False  # launched, import reply not read yet

    @property
    def running(self) -> bool:
        return self._pid is not None

    def launch(self) -> None:
        """Fork the process now and let it import the file while the judge does
        other work; start() then waits for the import's outcome."""
        if self._broken is not None or self._pid is not None:
            return
        self.generation += 1
        self._reset_pending = False
        self._pid, fd = forkserver.current().fork(
            path=str(self.path), generation=self.generation, memory_mb=self.memory_mb,
            workdir=str(self.workdir) if self.workdir else None,
            isolation=self.isolation, deny=list(self.deny))
        self._conn = Channel.from_fd(fd)
        self._importing = True

    def hand_over(self, successor: StudentProcess, timeout: float) -> bool:
        """Move this process on to ``successor`` (not started, another file of
        the same folder): its import is then under way, as after launch().
        False, with this process stopped, when its files changed the state all
        files share (sharedstate.py; only strict processes watch it); False
        too when this process is not running. The successor then starts afresh."""
        if (self._pid is None or self._conn is None or self._importing
                or self._broken is not None or successor.running
                or successor.path.parent != self.path.parent):
            return False
        generation = self.generation + 1
        try:
            self._conn.send(protocol.encode_request(
                {"op": "switch", "path": str(successor.path), "generation": generation}))
            reply = protocol.decode(self._conn.receive(self._within_deadline(timeout),
                                                       self.max_reply))
        except (ChannelClosed, ChannelTimeout, MessageTooLarge, protocol.ProtocolError):
            reply = None
        if not isinstance(reply, dict) or reply.get("ok") is not True:
            self.stop()
            return False
        running = Running(self._pid, self._conn, generation, self.report)
        self._pid = self._conn = None
        successor.take_over(running)
        return True

    def take_over(self, running: Running) -> None:
        """Serve this file with a process that hand_over passed on; its import of
        this file is under way."""
        self._pid, self._conn = running.pid, running.channel
        self.generation, self.report = running.generation, running.report
        self._importing = True

    def start(self, timeout: float) -> None:
        """Import the file in a fresh process; raise StudentError if that fails.

        A file that cannot be imported fails the same way every time, so the
        failure is remembered and later starts raise it again without retrying.
        """
        if self._broken is not None:
            raise self._broken
        if self._pid is None:
            self.launch()
        elif not self._importing:
            return
        self._importing = False
        try:
            reply = self._receive(timeout, time.perf_counter())
        except StudentError as error:
            self._broken = StudentError(f"importing {self.path.name}: {error}", error.kind)
            raise self._broken from None
        self.import_output = text(reply.get("output"))
        report = reply.get("report")
        self.report = report if isinstance(report, dict) else {}
        if not reply.get("ok"):
            self.stop()
            self._broken = StudentError(
                import_failure(self.path.name, reply.get("error")), "import",
                self.import_output)
            raise self._broken

    def reset(self) -> None:
        """Forget the caches kept from earlier calls (between checks): done with
        the next request, to save a round trip."""
        self._reset_pending = self._pid is not None

    def stop(self) -> None:
        pid, self._pid = self._pid, None
        conn, self._conn = self._conn, None
        self._importing = False
        if conn is not None:
            conn.close()
        if pid is not None:
            _kill_group(pid)

    def _exchange(self, request: dict, timeout: float, functions: tuple[str, ...]) -> dict:
        self.start(timeout)
        started = time.perf_counter()
        if self._reset_pending:
            request["reset"], self._reset_pending = True, False
        assert self._conn is not None  # started
        try:
            self._conn.send(protocol.encode_request(request))
        except ChannelClosed:
            self.stop()
            raise StudentError("your code ended its process before this call", "crash") from None
        return self._receive(timeout, started, functions)

    def _within_deadline(self, seconds: float) -> float:
        if self.deadline is None:
            return seconds
        left = self.deadline - time.monotonic()
        return seconds if seconds < left else max(0.0, left)

    def _receive(self, timeout: float, started: float, functions: tuple[str, ...] = ()) -> dict:
        assert self._conn is not None
        remaining = max(0.0, timeout - (time.perf_counter() - started))
        limited = self._within_deadline(remaining)
        try:
            reply = protocol.decode(self._conn.receive(limited, self.max_reply))
        except ChannelTimeout:
            self.stop()
            if limited < remaining:
                raise StudentError("stopped at the time limit for this submission",
                                   "timeout") from None
            raise self._ran_out_of_time(functions, timeout) from None
        except MessageTooLarge as error:
            self.stop()
            raise StudentError(f"the student process sent {error}; no honest reply is "
                               "anywhere near that size", "protocol") from None
        except ChannelClosed:
            self.stop()
            raise StudentError("your code ended its process (os._exit, a crash, a signal "
                               "or the memory limit)", "crash") from None
        except protocol.ProtocolError as error:
            self.stop()
            raise StudentError(f"the student process sent a malformed reply ({error})",
                               "protocol") from None
        if not isinstance(reply, dict):
            self.stop()
            raise StudentError("the student process sent a malformed reply", "protocol")
        return reply

    def __enter__(self) -> StudentProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _kill_group(pid: int) -> None:
    """Kill the student process and anything it started (it leads its own session)."""
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError, OSError):
            pass
