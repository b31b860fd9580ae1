"""A tiny fork server for student processes, and the judge's handle on it.

The server is started as a fresh interpreter, so it holds nothing of the
judge's (no solutions, no checks, no gradebook). It imports numpy and the
worker once, then forks one student process per request: forking a warm
process costs a millisecond or two, starting Python and numpy again ~70 ms.

Requests arrive on a Unix socket: one JSON line plus, as ancillary data, the
file descriptor of the socket the new student process will serve. This module
imports no numpy, so the judge can start the server before its own imports.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import MutableMapping  # loaded by os already: no start-up cost

from rnncourse.sandbox import environment


def one_blas_thread(env: MutableMapping[str, str]) -> MutableMapping[str, str]:
    """``env`` with one BLAS thread unless it already chose a number. The course's
    matrices are small, and OpenBLAS's extra threads spin at numpy's import,
    taking the cores that judges and student processes share. Applied to
    os.environ, it must run before numpy loads."""
    for name in environment.THREAD_VARIABLES:
        env.setdefault(name, "1")
    return env


def serve(fd: int) -> None:
    """The server's main loop (runs in the fork server process)."""
    import resource  # noqa: F401 - imported once here, inherited by every fork

    import numpy  # noqa: F401

    from rnncourse.sandbox import (
        worker,  # noqa: F401
    )

    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps finished children
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the judge's to handle
    die_with_parent = _death_signal()
    server_pid = os.getpid()
    server = socket.socket(fileno=fd)
    buffer = b""
    while True:
        try:
            data, fds, _flags, _address = socket.recv_fds(server, 65536, 1)
        except OSError:
            return
        if not data:
            return
        buffer += data
        if not buffer.endswith(b"\n") or not fds:
            for extra in fds:
                os.close(extra)
            continue
        request, buffer = json.loads(buffer), b""
        if request.get("isolation") == "strict":
            worker.prepare_strict_isolation(request.get("deny") or [])
        pid = os.fork()
        if pid == 0:
            server.close()
            die_with_parent(server_pid)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            try:
                worker.serve(fds[0], **request)
            finally:
                os._exit(0)
        os.close(fds[0])
        server.sendall(json.dumps({"pid": pid}).encode() + b"\n")


def _death_signal():
    """A function that makes the calling process die when its parent does.

    The fork server exits when its judge goes away (EOF on its socket), so a
    student process stuck in a loop cannot outlive a judge that was killed
    (Linux only, PR_SET_PDEATHSIG: elsewhere such an orphan runs until it ends).
    """
    def nothing(parent: int) -> None:
        pass

    if not sys.platform.startswith("linux"):
        return nothing
    try:
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return nothing

    def die_with(parent: int) -> None:
        prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() != parent:  # the parent died before the call above
            os._exit(0)

    return die_with


class ForkServer:
    """The judge's handle on a running fork server."""

    def __init__(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        # not the judge's environment: student processes are forked from this one,
        # and its environment stays in their memory
        env = environment.for_fork_server(os.environ)
        self.process = subprocess.Popen(
            [sys.executable, "-c", "import sys; from rnncourse.sandbox import forkserver; "
             "forkserver.serve(int(sys.argv[1]))", str(theirs.fileno())],
            pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, env=env, start_new_session=True,
        )
        theirs.close()
        self._socket = ours
        self._replies = ours.makefile("rb")
        self._lock = threading.Lock()

    def fork(self, **request) -> tuple[int, int]:
        """Start a student process serving ``request``: its pid and the fd of our
        end of its socket."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            with self._lock:
                socket.send_fds(self._socket, [json.dumps(request).encode() + b"\n"],
                                [theirs.fileno()])
                line = self._replies.readline()
        except OSError:
            line = b""
        finally:
            theirs.close()
        if not line:
            ours.close()
            raise RuntimeError("the fork server for student processes stopped")
        return json.loads(line)["pid"], ours.detach()

    def alive(self) -> bool:
        return self.process.poll() is None

    def close(self) -> None:
        self._replies.close()
        self._socket.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()


_current: ForkServer | None = None
_current_lock = threading.Lock()


def current() -> ForkServer:
    """This judge process's fork server, started on first use."""
    global _current
    with _current_lock:
        if _current is None or not _current.alive():
            _current = ForkServer()
        return _current


def running() -> ForkServer | None:
    """This process's fork server if one is running (none is started)."""
    with _current_lock:
        return _current if _current is not None and _current.alive() else None


def warm_up() -> None:
    """Start the fork server now, so that it boots numpy while the judge imports."""
    current()


if __name__ == "__main__":
    serve(int(sys.argv[1]))
