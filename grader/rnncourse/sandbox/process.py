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
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rnncourse.sandbox import forkserver, protocol
from rnncourse.sandbox.channel import Channel, ChannelClosed, ChannelTimeout

MAX_REPLY = 512 * 1024 * 1024


class StudentError(Exception):
    """The student's code failed in a way that fails the current check."""

    def __init__(self, message: str, kind: str = "exception", output: str = "",
                 types: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.kind = kind
        self.output = output
        self.types = types  # the exception's class and base class names, when it raised one


@dataclass
class Call:
    """The outcome of one call into the student's code, as plain data."""

    value: object
    watched: bool = False  # whether mutated and warnings were recorded
    mutated: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    output: str = ""
    seconds: float = 0.0


class StudentProcess:
    """One student file imported in its own process."""

    def __init__(self, path: Path, memory_mb: int = 2048, workdir: Path | None = None,
                 isolation: str = "basic", deny: tuple[Path, ...] = ()) -> None:
        """``isolation`` "basic": own process, memory cap. "strict" (class grading):
        also no access outside ``workdir`` (nor to the ``deny`` trees or the
        rnncourse package), no network, no signals, no new processes — see
        worker.strict_isolation. ``report`` says what held once started."""
        if isolation not in ("basic", "strict"):
            raise ValueError(f"unknown isolation {isolation!r}")
        self.path = Path(path).resolve()
        self.memory_mb = memory_mb
        self.workdir = workdir
        self.isolation = isolation
        self.deny = tuple(str(Path(p).resolve()) for p in deny)
        self.report: dict = {}
        self.generation = 0
        self.import_output = ""
        self._pid: int | None = None
        self._conn: Channel | None = None
        self._broken: StudentError | None = None
        self._reset_pending = False
        self._importing = False  # launched, import reply not read yet
        # functions that ran out of time: not called again in this run, so one
        # endless loop costs one time limit, not one per check
        self.timed_out: dict[str, float] = {}

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
        if (self._pid is None or self._importing or self._broken is not None
                or successor._pid is not None or successor.path.parent != self.path.parent):
            return False
        generation = self.generation + 1
        try:
            self._conn.send(protocol.encode_request(
                {"op": "switch", "path": str(successor.path), "generation": generation}))
            reply = protocol.decode(self._conn.receive(timeout, MAX_REPLY))
        except (ChannelClosed, ChannelTimeout, protocol.ProtocolError):
            reply = None
        if not isinstance(reply, dict) or reply.get("ok") is not True:
            self.stop()
            return False
        successor._pid, successor._conn, self._pid, self._conn = self._pid, self._conn, None, None
        successor.generation, successor.report = generation, self.report
        successor._importing = True
        return True

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
        started = time.perf_counter()
        try:
            reply = self._receive(timeout, started)
        except StudentError as error:
            self._broken = StudentError(f"importing {self.path.name}: {error}", error.kind)
            raise self._broken from None
        self.import_output = _text(reply.get("output"))
        report = reply.get("report")
        self.report = report if isinstance(report, dict) else {}
        if not reply.get("ok"):
            self.stop()
            self._broken = StudentError(
                _import_failure(self.path.name, reply.get("error")), "import",
                self.import_output)
            raise self._broken

    def call(self, function: str, args: tuple, keep: tuple = (), timeout: float = 3.0,
             watch: bool = False) -> Call:
        """Call ``function``; with ``watch``, the result also says which arguments
        the call changed in place and which warnings it raised."""
        self._refuse_timed_out((function,))
        self.start(timeout)
        started = time.perf_counter()
        reply = self._request({"op": "call", "fn": function, "args": list(args),
                               "keep": list(keep), "watch": watch}, timeout, started,
                              (function,))
        return call_from_reply(function, reply, watch, time.perf_counter() - started)

    def call_batch(self, calls: list[tuple[str, tuple, tuple]],
                   timeout: float = 3.0) -> list[Call | StudentError]:
        """Several independent calls (function, args, keep) in one round trip; each
        comes back as a Call or as the StudentError it raised, in order. A timeout
        or crash fails the whole batch (raised)."""
        functions = tuple(dict.fromkeys(function for function, _, _ in calls))
        self._refuse_timed_out(functions)
        self.start(timeout)
        started = time.perf_counter()
        reply = self._request({"op": "batch", "calls": [
            {"op": "call", "fn": function, "args": list(args), "keep": list(keep)}
            for function, args, keep in calls]}, timeout, started, functions)
        replies = reply.get("replies")
        if not isinstance(replies, list) or len(replies) != len(calls):
            raise StudentError("the student process sent a malformed reply", "protocol")
        seconds = time.perf_counter() - started
        results: list[Call | StudentError] = []
        for (function, _, _), item in zip(calls, replies):
            try:
                results.append(call_from_reply(function, item if isinstance(item, dict)
                                               else {}, False, seconds))
            except StudentError as error:
                results.append(error)
        return results

    def perturbed(self, function: str, args: tuple, perturbations: list, only: tuple,
                  timeout: float = 3.0) -> list:
        """The outputs ``only`` of ``function`` on copies of ``args``, each with one
        perturbation applied (see worker._perturbed), in one round trip: one
        array per output, one row per perturbation."""
        self._refuse_timed_out((function,))
        self.start(timeout)
        started = time.perf_counter()
        reply = self._request({"op": "perturbed", "fn": function, "args": list(args),
                               **pack_perturbations(perturbations), "only": list(only)},
                              timeout, started, (function,))
        return stacked_from_reply(function, reply, len(perturbations), len(only))

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

    def _refuse_timed_out(self, functions: tuple[str, ...]) -> None:
        for function in functions:
            if function in self.timed_out:
                raise StudentError(
                    f"not run: {function} did not finish within {self.timed_out[function]:g} s "
                    "in an earlier check, so it is not called again", "timeout")

    def _request(self, message: dict, timeout: float, started: float,
                 functions: tuple[str, ...] = ()) -> dict:
        if self._reset_pending:
            message["reset"], self._reset_pending = True, False
        try:
            self._conn.send(protocol.encode_request(message))
        except ChannelClosed:
            self.stop()
            raise StudentError("your code ended its process before this call", "crash") from None
        return self._receive(timeout, started, functions)

    def _receive(self, timeout: float, started: float, functions: tuple[str, ...] = ()) -> dict:
        remaining = max(0.0, timeout - (time.perf_counter() - started))
        try:
            reply = protocol.decode(self._conn.receive(remaining, MAX_REPLY))
        except ChannelTimeout:
            self.stop()
            for function in functions:
                self.timed_out[function] = timeout
            who = " and ".join(functions) or "your file"
            raise StudentError(f"{who} did not finish within {timeout:g} s (time limit per "
                               "check)", "timeout") from None
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

    def __exit__(self, *exc) -> None:
        self.stop()


def pack_perturbations(perturbations: list) -> dict:
    """[arg index, flat index or direction array, delta] items as a few flat
    arrays: thousands of tiny values would cost more to encode than to compute."""
    directions = [where for _, where, _ in perturbations if isinstance(where, np.ndarray)]
    return {
        "index": np.array([index for index, _, _ in perturbations], dtype=np.int64),
        "entry": np.array([-1 if isinstance(where, np.ndarray) else where
                           for _, where, _ in perturbations], dtype=np.int64),
        "delta": np.array([delta for _, _, delta in perturbations], dtype=np.float64),
        "directions": directions,
    }


def call_from_reply(function: str, reply: dict, watch: bool, seconds: float) -> Call:
    """A Call from a student process's decoded reply, or the StudentError it reports."""
    if not reply.get("ok"):
        error = reply.get("error")
        raise StudentError(*_call_failure(function, error), output=_text(reply.get("output")),
                           types=_exception_types(error))
    return Call(
        value=reply.get("value"),
        watched=watch,
        mutated=[p for p in reply.get("mutated", []) if isinstance(p, list)],
        warnings=[_text(w) for w in reply.get("warnings", []) if isinstance(w, str)],
        output=_text(reply.get("output")),
        seconds=seconds,
    )


def stacked_from_reply(function: str, reply: dict, count: int, outputs: int) -> list:
    """The stacked outputs of a "perturbed" request, checked to be what was asked."""
    if not reply.get("ok"):
        error = reply.get("error")
        raise StudentError(*_call_failure(function, error), types=_exception_types(error))
    stacked = reply.get("stacked")
    if not (isinstance(stacked, list) and len(stacked) == outputs and all(
            isinstance(rows, np.ndarray) and rows.ndim >= 1 and rows.shape[0] == count
            for rows in stacked)):
        raise StudentError(f"{function} did not return its usual outputs on slightly "
                           "changed inputs", "fail")
    return stacked


def _kill_group(pid: int) -> None:
    """Kill the student process and anything it started (it leads its own session)."""
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError, OSError):
            pass


_CONTROL = dict.fromkeys(c for c in range(32) if chr(c) not in "\n\t")
_CONTROL[127] = None


def _text(value: object) -> str:
    """A string from the student process, without terminal control characters."""
    return value.translate(_CONTROL) if isinstance(value, str) else ""


def _error_fields(error: object) -> tuple[str, str, str, str]:
    if not isinstance(error, dict):
        return "exception", "", "", ""
    return tuple(_text(error.get(key)) for key in ("kind", "type", "message", "where"))


def _exception_types(error: object) -> tuple[str, ...]:
    names = error.get("types") if isinstance(error, dict) else None
    return tuple(_text(name) for name in names) if isinstance(names, list) else ()


def _import_failure(filename: str, error: object) -> str:
    kind, type_name, message, where = _error_fields(error)
    place = f" ({where})" if where else ""
    if kind == "syntax":
        return f"{filename} has a {type_name or 'SyntaxError'}{place}: {message}"
    if kind == "exit":
        return f"{filename} called sys.exit() while being imported{place}"
    return f"importing {filename} raised {type_name}{place}: {message}".rstrip(": ")


def _call_failure(function: str, error: object) -> tuple[str, str]:
    kind, type_name, message, where = _error_fields(error)
    place = f" ({where})" if where else ""
    if kind == "not-implemented":
        raiser = _text(error.get("function")) if isinstance(error, dict) else ""
        if raiser and raiser != function and raiser.isidentifier():
            return f"{function} calls {raiser}, which is not implemented yet", kind
        return f"{function} is not implemented yet (it raises NotImplementedError)", kind
    if kind == "missing":
        return f"{function} is not defined in your file", kind
    if kind == "exit":
        return f"{function} called sys.exit(){place}", kind
    if kind == "memory":
        return f"{function} ran out of memory{place}", kind
    if kind == "too-large":
        return f"{function} returned a result too large to check", kind
    if kind in ("stale", "protocol"):
        return f"{function}: {message}", kind
    detail = f": {message}" if message else ""
    return f"{function} raised {type_name}{place}{detail}", kind


def probe_isolation() -> dict:
    """What strict isolation holds on this machine, from a student process
    started for the purpose (its ``report``)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="rnncourse-probe-") as folder:
        os.chmod(folder, 0o711)
        probe = Path(folder) / "probe.py"
        probe.write_text("def probe():\n    return 1.0\n", encoding="utf-8")
        with StudentProcess(probe, workdir=Path(folder), isolation="strict") as process:
            try:
                process.start(timeout=30)
            except StudentError as error:
                return {"error": str(error)}
            return dict(process.report)


def describe_isolation(report: dict) -> tuple[str, bool]:
    """One line saying what strict isolation held, and whether it is complete."""
    if "error" in report:
        return f"Isolation: could not be probed ({report['error']}).", False
    held, missing = [], []
    abi = report.get("landlock_abi")
    if abi:
        held.append(f"Landlock ABI {abi}: files limited to each copy")
        (held if report.get("network") else missing).append("no TCP")
        (held if report.get("signals") else missing).append("no signals out of the sandbox")
    else:
        reason = report.get("landlock", "no Landlock")
        missing.append(f"file, network and signal restrictions ({reason})")
    (held if report.get("no-new-processes") else missing).append("no new processes")
    if report.get("capabilities-dropped"):
        held.append("root capabilities dropped")
    line = "Isolation of student code: " + "; ".join(held or ["process boundary only"]) + "."
    if missing:
        line += " MISSING: " + "; ".join(missing) + " (see README: isolation)."
    return line, not missing
