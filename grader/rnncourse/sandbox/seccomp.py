"""Forbid a process to create processes or threads (Linux seccomp), and drop
root's capabilities.

RLIMIT_NPROC cannot stop a fork bomb run as root (the kernel never applies it
to uid 0), so a tiny seccomp filter makes fork, vfork, clone and clone3 fail
with EPERM instead. Written as a raw classic-BPF program passed to prctl
through ctypes; x86_64 and aarch64 only (elsewhere it reports unavailable).
"""

from __future__ import annotations

import ctypes
import errno
import functools
import os
import platform

_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 22, 2
_RET_ALLOW, _RET_ERRNO = 0x7FFF0000, 0x00050000
_LD_W_ABS, _JEQ_K, _RET_K = 0x20, 0x15, 0x06
_ARCHES = {  # machine: (AUDIT_ARCH, process-creating syscall numbers)
    "x86_64": (0xC000003E, (56, 57, 58, 435)),  # clone, fork, vfork, clone3
    "aarch64": (0xC00000B7, (220, 435)),  # clone, clone3
}


class _Filter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8),
                ("k", ctypes.c_uint32)]


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_uint16), ("filter", ctypes.POINTER(_Filter))]


def forbid_new_processes() -> bool:
    """Make every later fork/clone of this process fail with EPERM. Needs
    no_new_privs (set by Landlock) or root. False where unsupported."""
    program = _program()
    if program is None:
        return False
    return _libc().prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(program[0]),
                         0, 0) == 0


def prepare() -> None:
    """Build the filter and load libc now (in a fork server: once for all children)."""
    _program()
    # ctypes looks a function up on first use: the look-ups are the point
    _libc().prctl, _libc().capset  # noqa: B018  # pyright: ignore[reportUnusedExpression]


@functools.cache
def _libc():
    return ctypes.CDLL(None, use_errno=True)


@functools.cache
def _program() -> tuple[_Program, ctypes.Array] | None:
    """The BPF program (and the array it points into, kept alive with it)."""
    arch = _ARCHES.get(platform.machine())
    if platform.system() != "Linux" or arch is None:
        return None
    audit_arch, numbers = arch
    count = len(numbers)
    program = [_Filter(_LD_W_ABS, 0, 0, 4),  # seccomp_data.arch
               _Filter(_JEQ_K, 0, count + 1, audit_arch),  # another ABI: allow
               _Filter(_LD_W_ABS, 0, 0, 0)]  # seccomp_data.nr
    for index, number in enumerate(numbers):
        program.append(_Filter(_JEQ_K, count - index, 0, number))  # jump to "deny"
    program += [_Filter(_RET_K, 0, 0, _RET_ALLOW),
                _Filter(_RET_K, 0, 0, _RET_ERRNO | errno.EPERM)]
    filters = (_Filter * len(program))(*program)
    return _Program(len(program), filters), filters


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                ("inheritable", ctypes.c_uint32)]


def drop_capabilities() -> bool:
    """Give up every capability (root stays uid 0, owning its files, but can no
    longer reboot, load modules, change the clock, ...)."""
    if platform.system() != "Linux" or os.geteuid() != 0:
        return False
    header = _CapHeader(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3
    data = (_CapData * 2)()
    return _libc().capset(ctypes.byref(header), data) == 0
