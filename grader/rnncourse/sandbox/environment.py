"""The environment variables of student processes: a fixed allow-list.

Nothing of the instructor's environment (tokens, keys, paths, course settings)
may reach student code, in ``os.environ`` or in the process's memory. So the
fork server is started with only what an interpreter needs to start and find
the package (``for_fork_server``), and a strict student process replaces even
that by the student's environment before any student code runs
(``for_student``):

- PATH: fixed (``PATH``); the locale: LANG and every LC_* variable, passed on;
- the BLAS thread counts (``THREAD_VARIABLES``), passed on, or 1;
- HOME and TMPDIR: the student's copy (read-only: see worker.strict_isolation).

Imports nothing else (the fork server imports it before numpy).
"""

from __future__ import annotations

from collections.abc import Mapping

PATH = "/usr/local/bin:/usr/bin:/bin"
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
# what an interpreter may need to start and import rnncourse and numpy
_START_UP = ("PYTHONPATH", "PYTHONHOME", "PYTHONUSERBASE", "PYTHONNOUSERSITE",
             "LD_LIBRARY_PATH")


def _passed_on(name: str) -> bool:
    return name == "LANG" or name.startswith("LC_") or name in THREAD_VARIABLES


def _common(source: Mapping[str, str]) -> dict[str, str]:
    env = {"PATH": PATH}
    env.update({name: value for name, value in source.items() if _passed_on(name)})
    for name in THREAD_VARIABLES:
        env.setdefault(name, "1")
    return env


def for_fork_server(source: Mapping[str, str]) -> dict[str, str]:
    """The fork server's environment, from the judge's (or the student's) own."""
    env = _common(source)
    env.update({name: source[name] for name in _START_UP if name in source})
    return env


def for_student(source: Mapping[str, str], home: str) -> dict[str, str]:
    """A strict student process's whole environment; ``home`` is its copy."""
    return {**_common(source), "HOME": home, "TMPDIR": home}
