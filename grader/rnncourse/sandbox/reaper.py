"""Ending every process a run started, wherever it went (Linux).

A process that leaves its session (setsid) and loses its parent escapes
process-group kills and PR_SET_PDEATHSIG, and would be adopted by init. A
child subreaper (PR_SET_CHILD_SUBREAPER) adopts instead every orphan among its
descendants, so they stay in its tree: the judge is one, and after each
student it kills whatever of its tree is not its fork server; the judge pool
kills a judge's whole tree before the judge itself. Strict student processes
cannot create processes at all (seccomp.py): this holds even where they
could.

The tree is read from /proc (every process's parent), so it needs nothing of
the kernel beyond procfs. Elsewhere these functions find nothing and do
nothing.
"""

from __future__ import annotations

import ctypes
import functools
import os
import signal
import sys
import time
from collections.abc import Iterable

_PR_SET_CHILD_SUBREAPER = 36


def become_subreaper() -> bool:
    """Adopt the orphans of this process's descendants from now on (Linux)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        return _libc().prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


@functools.cache
def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _parents() -> dict[int, tuple[int, str]]:
    """Every process: its parent and its state letter (Z for a zombie)."""
    found: dict[int, tuple[int, str]] = {}
    try:
        entries = os.scandir("/proc")
    except OSError:
        return found
    with entries:
        for entry in entries:
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as file:
                    stat = file.read()
            except OSError:
                continue  # it has just ended
            # the name, in parentheses, may hold spaces and parentheses itself
            fields = stat[stat.rfind(b")") + 2:].split()
            if len(fields) >= 2:
                found[int(entry.name)] = (int(fields[1]), fields[0].decode("ascii", "replace"))
    return found


def descendants(root: int, parents: dict[int, tuple[int, str]] | None = None) -> list[int]:
    """The processes below ``root``, zombies left out (``parents``: as _parents())."""
    parents = _parents() if parents is None else parents
    children: dict[int, list[int]] = {}
    for pid, (parent, _state) in parents.items():
        children.setdefault(parent, []).append(pid)
    found: list[int] = []
    pending = list(children.get(root, []))
    while pending:
        pid = pending.pop()
        if parents[pid][1] != "Z":
            found.append(pid)
        pending += children.get(pid, [])
    return found


def kill_descendants(root: int, spare: Iterable[int] = ()) -> int:
    """SIGKILL every process below ``root`` but ``spare``, again and again until
    none is left (one may fork while the others are killed); then reap those
    that were this process's own children. Returns how many were killed."""
    spare = set(spare)
    killed: set[int] = set()
    me = os.getpid()
    for _ in range(100):  # each round kills what the round before could not see
        parents = _parents()
        found = [pid for pid in descendants(root, parents) if pid not in spare]
        if not found:
            break
        for pid in found:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        killed.update(found)
    ended = any(parent == me and state == "Z" and pid not in spare
                for pid, (parent, state) in parents.items())
    if root == me and (killed or ended):
        _reap(killed, spare)
    return len(killed)


def kill_tree(root: int) -> None:
    """SIGKILL ``root`` and everything below it (its descendants first, while
    ``root`` still holds the orphans it adopted)."""
    kill_descendants(root)
    try:
        os.kill(root, signal.SIGKILL)
    except OSError:
        pass


def _reap(killed: set[int], spare: set[int], seconds: float = 1.0) -> None:
    """Collect the exit status of this process's children that were ``killed`` or
    have ended (zombies), but not of ``spare`` (their owner collects it: a
    subprocess.Popen), so that no zombie stays behind."""
    me = os.getpid()
    deadline = time.monotonic() + seconds
    while True:
        left = [pid for pid, (parent, state) in _parents().items()
                if parent == me and pid not in spare and (pid in killed or state == "Z")]
        for pid in list(left):
            try:
                if os.waitpid(pid, os.WNOHANG)[0] == pid:
                    left.remove(pid)
            except ChildProcessError:
                left.remove(pid)
        if not left or time.monotonic() > deadline:
            return
        time.sleep(0.005)
