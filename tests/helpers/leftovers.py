"""What a grading run could leave behind on the machine — processes, SysV IPC
objects — found and removed by the tests that check it leaves nothing (Linux)."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

_PR_SET_CHILD_SUBREAPER, _PR_GET_CHILD_SUBREAPER = 36, 37
_IPC_RMID = 0


def sysv_objects() -> set[tuple[str, int]]:
    """Every SysV shared memory segment, semaphore set and message queue: (kind, id)."""
    found = set()
    for kind in ("shm", "sem", "msg"):
        try:
            lines = Path(f"/proc/sysvipc/{kind}").read_text().splitlines()[1:]
        except OSError:
            continue
        found |= {(kind, int(line.split()[1])) for line in lines if line.strip()}
    return found


def remove_sysv(objects: set[tuple[str, int]]) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    for kind, number in objects:
        if kind == "shm":
            libc.shmctl(number, _IPC_RMID, None)
        elif kind == "sem":
            libc.semctl(number, 0, _IPC_RMID)
        else:
            libc.msgctl(number, _IPC_RMID, None)


class Adopted:
    """The processes this test process adopted: orphans of whatever it started."""

    def __init__(self) -> None:
        self.before = set(_children())

    def survivors(self) -> list[int]:
        """Those still running (ended ones are reaped)."""
        _reap(self.before)
        return [pid for pid, state in _children().items()
                if pid not in self.before and state != "Z"]


@contextlib.contextmanager
def adopting() -> Iterator[Adopted]:
    """Make this process a child subreaper for the block: any process that
    outlives what this process starts (a grading run and everything it ran) is
    then adopted by it instead of init, so Adopted.survivors() lists it. They
    are killed and reaped at the end, whatever happens."""
    libc = ctypes.CDLL(None, use_errno=True)
    was = ctypes.c_int(0)
    libc.prctl(_PR_GET_CHILD_SUBREAPER, ctypes.byref(was), 0, 0, 0)
    if libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "PR_SET_CHILD_SUBREAPER failed")
    adopted = Adopted()
    try:
        yield adopted
    finally:
        for _ in range(20):
            left = adopted.survivors()
            if not left:
                break
            for pid in left:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.05)
        libc.prctl(_PR_SET_CHILD_SUBREAPER, was.value, 0, 0, 0)


def _children() -> dict[int, str]:
    """This process's children and their state letters."""
    me = os.getpid()
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_bytes()
        except OSError:
            continue
        state, parent = stat[stat.rfind(b")") + 2:].split()[:2]
        if int(parent) == me:
            found[int(entry.name)] = state.decode()
    return found


def _reap(spare: set[int]) -> None:
    for pid, state in _children().items():
        if state == "Z" and pid not in spare:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
