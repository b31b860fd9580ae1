"""An exclusive lock between processes on an open file (flock), for the
gradebook, the grading scratch folders and the student's progress store.

Closing the file releases the lock. Without fcntl (not Linux or macOS) there is
no lock between processes: ``lock`` always succeeds and ``SUPPORTED`` is False.
"""

from __future__ import annotations

from typing import IO

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None

SUPPORTED = fcntl is not None


def lock(file: IO, wait: bool = True) -> bool:
    """Lock ``file`` for this process; True once held. With ``wait`` False,
    False at once when another process holds it."""
    if fcntl is None:
        return True
    try:
        fcntl.flock(file.fileno(), fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except OSError:
        return False
    return True
