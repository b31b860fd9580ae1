"""Landlock: let a process give up filesystem, network and signal access (Linux).

Landlock is an unprivileged Linux security module (kernel 5.13 and newer). A
process builds a ruleset — which access rights are governed, and the folders
where some of them stay allowed — and restricts itself; the restriction holds
for it and all its children and can never be lifted. ABI 4 (kernel 6.7) adds
TCP bind/connect, ABI 6 (6.12) scopes signals and abstract Unix sockets to the
process's own domain. Used through raw syscalls (ctypes), with no dependency.
"""

from __future__ import annotations

import ctypes
import functools
import os
import platform
from collections.abc import Iterable
from pathlib import Path

_CREATE_RULESET, _ADD_RULE, _RESTRICT_SELF = 444, 445, 446  # the same on every architecture
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38

EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_FS_BY_ABI = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 5: (1 << 16) - 1}
_FILE_ONLY = EXECUTE | WRITE_FILE | READ_FILE | (1 << 14) | (1 << 15)  # rights a file rule may hold
_NET_BIND_TCP, _NET_CONNECT_TCP = 1 << 0, 1 << 1
_SCOPE_ABSTRACT_UNIX_SOCKET, _SCOPE_SIGNAL = 1 << 0, 1 << 1
READ = EXECUTE | READ_FILE | READ_DIR


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64),
                ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


class LandlockError(OSError):
    pass


@functools.cache
def _libc():
    return ctypes.CDLL(None, use_errno=True)


def prepare() -> None:
    """Load libc and ask for the ABI now (in a fork server: once for all children)."""
    abi_version()
    _libc().prctl  # noqa: B018 - ctypes looks a function up on first use


@functools.cache
def abi_version() -> int:
    """The Landlock ABI the kernel offers; 0 when there is none."""
    if platform.system() != "Linux":
        return 0
    try:
        version = _libc().syscall(_CREATE_RULESET, None, ctypes.c_size_t(0),
                                  ctypes.c_uint32(_CREATE_RULESET_VERSION))
    except (OSError, AttributeError):
        return 0
    return max(int(version), 0)


def _fs_rights(abi: int) -> int:
    return _FS_BY_ABI[max(key for key in _FS_BY_ABI if key <= abi)]


class Ruleset:
    """A ruleset built (paths opened) now, enforced later: build it while the
    process can still open every folder, drop privileges, then enforce."""

    def __init__(self, read_only: Iterable[Path], read_write: Iterable[Path]) -> None:
        self.abi = abi_version()
        if self.abi < 1:
            raise LandlockError("Landlock is not available on this kernel")
        self._libc = _libc()
        fs = _fs_rights(self.abi)
        attr = _RulesetAttr(handled_access_fs=fs)
        size = 8
        if self.abi >= 4:
            attr.handled_access_net = _NET_BIND_TCP | _NET_CONNECT_TCP
            size = 16
        if self.abi >= 6:
            attr.scoped = _SCOPE_ABSTRACT_UNIX_SOCKET | _SCOPE_SIGNAL
            size = 24
        self.fd = self._libc.syscall(_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size),
                                     ctypes.c_uint32(0))
        if self.fd < 0:
            raise LandlockError(ctypes.get_errno(), "landlock_create_ruleset failed")
        try:
            for paths, rights in ((read_only, READ & fs), (read_write, fs)):
                for path in paths:
                    _allow(self._libc, self.fd, path, rights)
        except LandlockError:
            os.close(self.fd)
            raise

    def enforce(self) -> dict:
        """Restrict this process for good: files only under the ruleset's
        folders, no TCP, no signals or abstract sockets outside its own domain
        (as far as the kernel's ABI allows). Returns what was enforced."""
        try:
            if self._libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
                raise LandlockError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
            if self._libc.syscall(_RESTRICT_SELF, self.fd, ctypes.c_uint32(0)) != 0:
                raise LandlockError(ctypes.get_errno(), "landlock_restrict_self failed")
        finally:
            os.close(self.fd)
        return {"landlock_abi": self.abi, "network": self.abi >= 4, "signals": self.abi >= 6}


def _allow(libc, ruleset: int, path: Path, rights: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return  # a folder that does not exist needs no rule
    try:
        if not os.path.isdir(path):
            rights &= _FILE_ONLY
        rule = _PathBeneathAttr(allowed_access=rights, parent_fd=fd)
        if libc.syscall(_ADD_RULE, ruleset, ctypes.c_int(_RULE_PATH_BENEATH),
                        ctypes.byref(rule), ctypes.c_uint32(0)) != 0:
            raise LandlockError(ctypes.get_errno(), f"landlock_add_rule failed for {path}")
    finally:
        os.close(fd)


def allow_except(roots: list[Path], excluded: list[Path]) -> list[Path]:
    """Folders whose union is each root minus the excluded trees inside it.

    Landlock only allows, never denies; to keep (say) the rnncourse package out
    of a readable site-packages, allow each sibling on the way down instead of
    the whole folder. A root inside an excluded tree (a venv inside the course
    folder) stays allowed: it was asked for explicitly.
    """
    result: list[Path] = []
    excluded = [Path(p).resolve() for p in excluded]
    for root in {Path(r).resolve() for r in roots}:
        if root in excluded:
            continue
        result += _split(root, [e for e in excluded if root in e.parents])
    return sorted(set(result))


def _split(folder: Path, excluded: list[Path]) -> list[Path]:
    if folder in excluded:
        return []
    inside = [e for e in excluded if folder in e.parents]
    if not inside:
        return [folder]
    parts: list[Path] = []
    try:
        children = list(folder.iterdir())
    except OSError:
        return []
    for child in children:
        try:
            child = child.resolve()  # a rule on a symlink would allow its target
        except OSError:
            continue
        if folder in child.parents:
            parts += _split(child, inside)
    return parts
