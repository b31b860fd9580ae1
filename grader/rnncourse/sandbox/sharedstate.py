"""What one student file could leave behind for the next in the same process.

In class grading a submission's files are checked one after the other in one
student process, instead of one fresh process each (a process costs more to
start and stop than most exercises cost to check). That is only sound while
the files cannot reach each other: before the process moves on to the next
file, ``Snapshot.changes`` lists what the files so far changed in the state
every file shares, and any change at all sends the next file to a fresh
process. What counts:

- an attribute set or deleted on any module loaded before the student's code
  (``np.allclose = ...``, ``builtins.abs = ...``): ``prepare`` makes every
  such module report it;
- a module in ``sys.modules`` removed or replaced, or one added that is not
  one of the student's own files;
- the dictionary of ``builtins`` changed by any other route (``__builtins__``
  is that dictionary in a module's own code);
- the working directory, ``sys.path``, the environment, the recursion limit,
  a trace or profile function, resource limits, open descriptors, signal
  handlers, a pending alarm or interval timer, and a peak memory use above a
  quarter of the process's cap (the next file would get less than its share).

Warning filters are put back rather than checked: the checks themselves change
them. The list is about mistakes and the known ways of tampering; a file that
works harder still only reaches its own student's other files, never another
student's, and earns nothing (every result is recomputed by the judge).
"""

from __future__ import annotations

import builtins
import os
import resource
import signal
import sys
import types
import warnings
from collections.abc import Mapping

import numpy

_changed: list[str] = []  # "module.attribute" set or deleted since the last snapshot
# warnings.catch_warnings, used around every call into student code, sets
# attributes of the warnings module; its filters are restored instead.
_UNWATCHED = frozenset({"warnings"})
_SIGNALS = tuple(getattr(signal, name) for name in (
    "SIGALRM", "SIGVTALRM", "SIGPROF", "SIGTERM", "SIGINT", "SIGHUP", "SIGUSR1", "SIGUSR2",
    "SIGPIPE", "SIGCHLD", "SIGXCPU", "SIGXFSZ", "SIGSEGV") if hasattr(signal, name))
_LIMITS = tuple(getattr(resource, name) for name in (
    "RLIMIT_AS", "RLIMIT_CPU", "RLIMIT_DATA", "RLIMIT_FSIZE", "RLIMIT_NOFILE", "RLIMIT_STACK",
    "RLIMIT_NPROC") if hasattr(resource, name))
_TIMERS = tuple(getattr(signal, name) for name in ("ITIMER_REAL", "ITIMER_VIRTUAL",
                                                   "ITIMER_PROF") if hasattr(signal, name))


class _WatchedModule(types.ModuleType):
    """A module that notes every attribute set on it or deleted from it."""

    def __setattr__(self, name: str, value: object) -> None:
        _changed.append(f"{_name(self)}.{name}")
        super().__setattr__(name, value)

    def __delattr__(self, name: str) -> None:
        _changed.append(f"{_name(self)}.{name}")
        super().__delattr__(name)


def _name(module: types.ModuleType) -> str:
    return str(module.__dict__.get("__name__", "?"))


_baseline: dict[str, dict] = {}  # copies of sys.modules and builtins, made by prepare()


def prepare() -> None:
    """Make every plain module loaded so far note changes to its attributes, and
    copy the module table and the builtins. Done once, in the fork server,
    before any student process exists: the copies are then shared by all."""
    if _baseline:
        return
    for name, module in list(sys.modules.items()):
        if type(module) is types.ModuleType and name not in _UNWATCHED:
            try:
                module.__class__ = _WatchedModule
            except TypeError:
                continue
    _baseline.update({"sys.modules": dict(sys.modules), "builtins": dict(vars(builtins))})


def prepared() -> bool:
    return bool(_baseline)


class Snapshot:
    """The shared state as the student process found it, before any student code
    (taken once the process has set itself up; prepare() must have run)."""

    def __init__(self, workdir: str, memory_mb: int) -> None:
        self.workdir = workdir
        self.memory_mb = memory_mb
        self.path = list(sys.path)
        self.environ = dict(os.environ)
        self.recursion_limit = sys.getrecursionlimit()
        self.handlers = {number: signal.getsignal(number) for number in _SIGNALS}
        self.limits = _limits()
        self.descriptors = _open_descriptors()
        self.filters = list(warnings.filters)
        self.watched = bool(_baseline) and all(
            type(module) is _WatchedModule for module in (numpy, builtins, sys))
        _changed.clear()

    def changes(self, own_modules: set[str]) -> list[str]:
        """What differs from the snapshot (empty when nothing does); modules named
        in ``own_modules`` (the student's files) may have been added."""
        found = [f"{name} was changed" for name in dict.fromkeys(_changed)]
        if self.watched:
            found += _dict_changes("sys.modules", sys.modules, _baseline["sys.modules"],
                                   own_modules)
            found += _dict_changes("builtins", vars(builtins), _baseline["builtins"], set())
        else:
            found.append("module changes cannot be watched here")
        checks = (
            (os.getcwd() != self.workdir, "the working directory was changed"),
            (sys.path != self.path, "sys.path was changed"),
            (dict(os.environ) != self.environ, "the environment was changed"),
            (sys.getrecursionlimit() != self.recursion_limit, "the recursion limit was changed"),
            (sys.gettrace() is not None or sys.getprofile() is not None,
             "a trace or profile function is set"),
            (_limits() != self.limits, "a resource limit was changed"),
            (_open_descriptors() != self.descriptors, "files or sockets were left open"),
            (_peak_memory_mb() > self.memory_mb / 4, "it used a lot of memory"),
            (any(signal.getitimer(timer) != (0.0, 0.0) for timer in _TIMERS),
             "a timer or an alarm is pending"),
        )
        found += [what for changed, what in checks if changed]
        found += [f"the handler of {signal.Signals(number).name} was changed"
                  for number, handler in self.handlers.items()
                  if signal.getsignal(number) is not handler]
        return found

    def restore_warnings(self) -> None:
        # typeshed declares filters a Sequence; it is the list warnings itself edits
        warnings.filters[:] = self.filters  # pyright: ignore[reportIndexIssue]
        # private, and what warnings.simplefilter calls to drop its cached filter state
        warnings._filters_mutated()  # pyright: ignore[reportAttributeAccessIssue]


def _limits() -> tuple:
    return tuple(resource.getrlimit(limit) for limit in _LIMITS)


def _open_descriptors() -> tuple[int, ...]:
    """The open file descriptors below the descriptor limit (no /proc: it may be
    out of reach under Landlock)."""
    highest = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    highest = 1024 if highest in (resource.RLIM_INFINITY, -1) or highest > 1024 else highest
    open_ = []
    for fd in range(highest):
        try:
            os.fstat(fd)
        except OSError:
            continue
        open_.append(fd)
    return tuple(open_)


def _peak_memory_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def _dict_changes(label: str, now: Mapping[str, object], then: Mapping[str, object],
                  allowed_new: set[str]) -> list[str]:
    found = [f"{label}[{key!r}] was added" for key in now.keys() - then.keys()
             if key not in allowed_new]
    found += [f"{label}[{key!r}] was removed or replaced" for key, value in then.items()
              if now.get(key, _MISSING) is not value]
    return found


_MISSING = object()
