"""A system-call filter for student processes (Linux seccomp), and dropping
root's capabilities.

Once loaded, the filter holds for the process for good. It

- kills the process (SECCOMP_RET_KILL_PROCESS) at any system call made
  through another ABI than the native one: i386 ``int 0x80`` on x86_64, its
  x32 numbers (nr | 0x40000000), 32-bit ARM on aarch64. Each ABI has its own
  numbers, so a filter that only knows the native ones lets all of them
  through (an i386 ``fork`` was how children escaped it);
- makes fail with EPERM: creating processes or threads (fork, vfork, clone,
  clone3: RLIMIT_NPROC cannot stop a fork bomb run as root, the kernel never
  applies it to uid 0) and namespaces (unshare, setns: a user namespace gives
  the capabilities back); memory the address-space cap does not count and
  kernel objects that outlive the process (SysV shared memory, semaphores and
  message queues, memfd, POSIX message queues, the kernel keyrings); io_uring,
  whose requests the filter never sees; changing the personality
  (READ_IMPLIES_EXEC would make every readable mapping executable);
- refuses every new socket (socket), and allows socketpair of the AF_UNIX
  family only: no UDP, raw, packet or netlink sockets (Landlock governs TCP
  only), and no Unix socket that could connect to a path outside (Landlock
  does not govern connecting to one: the Docker or systemd socket would be
  root on the machine); a connected pair reaches nothing but itself;
- refuses executable anonymous memory: mmap of an anonymous mapping with
  PROT_EXEC, and any mprotect or pkey_mprotect adding PROT_EXEC (the filter
  cannot see which mapping that is; the dynamic loader maps libraries
  executable from their files, which stays allowed).

Written as a raw classic-BPF program passed to prctl through ctypes; x86_64
and aarch64 only (elsewhere it reports unavailable).
"""

from __future__ import annotations

import ctypes
import errno
import functools
import os
import platform
from dataclasses import dataclass

_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 22, 2
_RET_KILL_PROCESS, _RET_ALLOW, _RET_ERRNO = 0x80000000, 0x7FFF0000, 0x00050000
_LD_W_ABS, _JEQ_K, _JSET_K, _RET_K = 0x20, 0x15, 0x45, 0x06
# offsets in struct seccomp_data: nr, arch, then args[6] (u64; low half first,
# both supported architectures being little-endian)
_NR, _ARCH = 0, 4
_ARG = (16, 24, 32, 40, 48, 56)
_X32_BIT = 0x40000000
_AF_UNIX, _PROT_EXEC, _MAP_ANONYMOUS = 1, 0x4, 0x20
_PERSONALITY_QUERY = 0xFFFFFFFF


@dataclass(frozen=True)
class _Arch:
    audit: int  # AUDIT_ARCH_* of the native ABI
    x32: bool  # whether its x32 numbers must be killed too
    deny: tuple[int, ...]  # fail with EPERM
    socketpair: int  # AF_UNIX only: the family is argument 0
    mmap: int
    mprotect: tuple[int, ...]  # mprotect, pkey_mprotect: the protection is argument 2
    personality: int


_ARCHES = {
    # x86_64 has no ipc() multiplexer of its own: it is an i386 call, killed as such
    "x86_64": _Arch(
        audit=0xC000003E, x32=True,
        deny=(56, 57, 58, 435,  # clone, fork, vfork, clone3
              272, 308,  # unshare, setns
              29, 30, 31, 67,  # shmget, shmat, shmctl, shmdt
              64, 65, 66, 220,  # semget, semop, semctl, semtimedop
              68, 69, 70, 71,  # msgget, msgsnd, msgrcv, msgctl
              319, 447,  # memfd_create, memfd_secret
              240, 241, 242, 243, 244, 245,  # mq_open ... mq_getsetattr
              248, 249, 250,  # add_key, request_key, keyctl
              425, 426, 427,  # io_uring_setup, io_uring_enter, io_uring_register
              41),  # socket
        socketpair=53, mmap=9, mprotect=(10, 329), personality=135),
    "aarch64": _Arch(  # the generic table: no fork or vfork, no ipc() multiplexer
        audit=0xC00000B7, x32=False,
        deny=(220, 435,  # clone, clone3
              97, 268,  # unshare, setns
              186, 187, 188, 189,  # msgget, msgctl, msgrcv, msgsnd
              190, 191, 192, 193,  # semget, semctl, semtimedop, semop
              194, 195, 196, 197,  # shmget, shmctl, shmat, shmdt
              279, 447,  # memfd_create, memfd_secret
              180, 181, 182, 183, 184, 185,  # mq_open ... mq_getsetattr
              217, 218, 219,  # add_key, request_key, keyctl
              425, 426, 427,  # io_uring_*
              198),  # socket
        socketpair=199, mmap=222, mprotect=(226, 288), personality=92),
}


class _Filter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8),
                ("k", ctypes.c_uint32)]


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_uint16), ("filter", ctypes.POINTER(_Filter))]


def restrict() -> bool:
    """Load the filter into this process for good (see the module's docstring).
    Needs no_new_privs (set by Landlock) or root. False where unsupported."""
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


def _assemble(arch: _Arch) -> list[tuple[int, int, int, int]]:
    """The BPF program for ``arch`` as (code, jt, jf, k) instructions."""
    # (code, k, label if true, label if false): a label is the name of a later
    # instruction, None the next one
    code: list[tuple[int, int, str | None, str | None]] = [
        (_LD_W_ABS, _ARCH, None, None),
        (_JEQ_K, arch.audit, None, "kill"),
        (_LD_W_ABS, _NR, None, None)]
    if arch.x32:
        code.append((_JSET_K, _X32_BIT, "kill", None))
    code += [(_JEQ_K, number, "deny", None) for number in arch.deny]
    code.append((_JEQ_K, arch.socketpair, "socketpair", None))
    code.append((_JEQ_K, arch.mmap, "mmap", None))
    code += [(_JEQ_K, number, "mprotect", None) for number in arch.mprotect]
    code.append((_JEQ_K, arch.personality, "personality", None))
    labels: dict[str, int] = {}

    def label(name: str, *instructions: tuple[int, int, str | None, str | None]) -> None:
        labels[name] = len(code)
        code.extend(instructions)

    code.append((_RET_K, _RET_ALLOW, None, None))  # any other call
    label("socketpair", (_LD_W_ABS, _ARG[0], None, None),
          (_JEQ_K, _AF_UNIX, "allow", "deny"))
    label("mmap", (_LD_W_ABS, _ARG[2], None, None),
          (_JSET_K, _PROT_EXEC, None, "allow"),
          (_LD_W_ABS, _ARG[3], None, None),
          (_JSET_K, _MAP_ANONYMOUS, "deny", "allow"))
    label("mprotect", (_LD_W_ABS, _ARG[2], None, None),
          (_JSET_K, _PROT_EXEC, "deny", "allow"))
    label("personality", (_LD_W_ABS, _ARG[0], None, None),
          (_JEQ_K, _PERSONALITY_QUERY, "allow", "deny"))
    label("allow", (_RET_K, _RET_ALLOW, None, None))
    label("deny", (_RET_K, _RET_ERRNO | errno.EPERM, None, None))
    label("kill", (_RET_K, _RET_KILL_PROCESS, None, None))

    def jump(at: int, name: str | None) -> int:
        offset = 0 if name is None else labels[name] - at - 1
        assert 0 <= offset < 256, "a BPF jump goes forward, by at most 255"
        return offset

    return [(op, jump(at, true), jump(at, false), k)
            for at, (op, k, true, false) in enumerate(code)]


@functools.cache
def _program() -> tuple[_Program, ctypes.Array] | None:
    """The BPF program (and the array it points into, kept alive with it)."""
    arch = _ARCHES.get(platform.machine())
    if platform.system() != "Linux" or arch is None:
        return None
    program = [_Filter(op, jt, jf, k) for op, jt, jf, k in _assemble(arch)]
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
