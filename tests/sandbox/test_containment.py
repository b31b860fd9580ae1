"""Containment of a strict student process (class grading): what its system
calls may reach (seccomp.py), its environment (environment.py), and what the
judge accepts from it (the frame limit and the deadline). Each attack is
written as a student would."""

import os
import platform
import signal
import socket
import subprocess
import sys
import textwrap
import time

import pytest
from helpers.leftovers import remove_sysv, sysv_objects

from rnncourse.sandbox import landlock, protocol
from rnncourse.sandbox.process import StudentError

X86_64 = platform.machine() == "x86_64"
NEEDS_SANDBOX = pytest.mark.skipif(landlock.abi_version() < 6 or platform.system() != "Linux",
                                   reason="needs Linux with Landlock ABI 6 (kernel 6.12+)")
pytestmark = NEEDS_SANDBOX

# i386 getpid through int 0x80 (xor eax, eax; mov al, 20; int 0x80; ret), with no
# NUL byte: as raw bytes in a latin-1 file, which may hold any byte but NUL.
# Where an anonymous executable mapping is refused, the student maps its own
# file executable and finds the code there.
I386_GETPID = "1\xc0\xb0\x14\xcd\x80\xc3"
RUN_I386 = f'''
import ctypes, mmap
CODE = "MARK>{I386_GETPID}"

def run_i386(anonymous=True):
    try:
        if not anonymous:
            raise OSError("the file route")
        page = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
        page.write(CODE[5:].encode("latin-1"))
        start = 0
    except OSError:
        with open(__file__, "rb") as file:
            page = mmap.mmap(file.fileno(), 0, flags=mmap.MAP_PRIVATE,
                             prot=mmap.PROT_READ | mmap.PROT_EXEC)
        start = page.find(CODE.encode("latin-1")) + 5
        assert start > 5
    address = np.frombuffer(page, dtype=np.uint8).ctypes.data + start
    return ctypes.CFUNCTYPE(ctypes.c_int)(address)()
'''


@pytest.fixture
def no_sysv_left():
    """Fails the test if SysV objects appeared; removes them whatever happens."""
    before = sysv_objects()
    yield
    new = sysv_objects() - before
    remove_sysv(new)
    assert not new, f"SysV objects left behind: {sorted(new)}"


def test_the_environment_is_the_allow_list(attack):
    secret = "s3cr3t-of-the-instructor"
    memory = []

    def initial_environment(pid):  # where the process's environment started, /proc shows
        with open(f"/proc/{pid}/environ", "rb") as environ:
            memory.append(environ.read())

    env = {**os.environ, "RNNCOURSE_SECRET_TOKEN": secret, "AWS_SECRET_ACCESS_KEY": secret}
    value, _ = attack("""
        import ctypes
        def attack():
            getenv = ctypes.CDLL(None).getenv
            getenv.restype = ctypes.c_char_p
            return (sorted(os.environ), os.environ["HOME"], os.environ["TMPDIR"],
                    getenv(b"AWS_SECRET_ACCESS_KEY"), os.getcwd())
    """, env=env, inspect=initial_environment)
    names, home, tmpdir, from_libc, cwd = value
    assert set(names) <= {"PATH", "HOME", "TMPDIR", "LANG", "OPENBLAS_NUM_THREADS",
                          "OMP_NUM_THREADS", "MKL_NUM_THREADS"} | {n for n in names
                                                                  if n.startswith("LC_")}
    assert home == tmpdir == cwd == str(attack.copy.resolve()) and from_libc is None
    assert b"PATH=" in memory[0] and secret.encode() not in memory[0]


def test_udp_to_a_listener_fails(attack):
    listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    listener.bind(("127.0.0.1", 0))
    listener.settimeout(0.3)
    try:
        value, _ = attack("""
            def attack():
                sent = 0
                for family, address in ((socket.AF_INET, ("127.0.0.1", PORT)),
                                        (socket.AF_INET6, ("::1", PORT))):
                    try:
                        with socket.socket(family, socket.SOCK_DGRAM) as udp:
                            udp.sendto(repr(dict(os.environ)).encode(), address)
                            sent += 1
                    except OSError:
                        pass
                return sent
        """, PORT=listener.getsockname()[1])
        assert value == 0
        with pytest.raises(TimeoutError):
            listener.recvfrom(65536)
    finally:
        listener.close()


def test_no_new_socket_opens_a_connected_pair_does(attack):
    value, _ = attack("""
        def attack():
            opened = []
            for family, kind, protocol in ((socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP),
                                           (socket.AF_PACKET, socket.SOCK_RAW, 0),
                                           (socket.AF_NETLINK, socket.SOCK_RAW, 0),
                                           (socket.AF_INET, socket.SOCK_STREAM, 0),
                                           (socket.AF_INET6, socket.SOCK_DGRAM, 0),
                                           (socket.AF_UNIX, socket.SOCK_STREAM, 0),
                                           (socket.AF_UNIX, socket.SOCK_DGRAM, 0)):
                try:
                    socket.socket(family, kind, protocol).close()
                    opened.append(int(family))
                except OSError:
                    pass
            try:
                socket.socketpair(socket.AF_INET)
                opened.append("an inet pair")
            except OSError:
                pass
            left, right = socket.socketpair()
            left.sendall(b"x")
            return opened, right.recv(1) == b"x"
    """)
    assert value == ([], True)


def test_a_unix_socket_outside_cannot_be_reached(attack, tmp_path):
    """Landlock does not govern connecting to a Unix socket by its path: the
    Docker or systemd socket would make root code root on the machine."""
    path = str(tmp_path / "listener.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen()
    server.settimeout(0.3)
    try:
        value, _ = attack("""
            def attack():
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
                    client.connect(PATH)
                    client.sendall(b"escaped")
                return 1.0
        """, PATH=path)
        assert isinstance(value, StudentError) and "PermissionError" in str(value), value
        with pytest.raises(TimeoutError):
            server.accept()
    finally:
        server.close()


def test_a_user_namespace_gives_nothing_back(attack):
    value, _ = attack("""
        import ctypes
        CLONE_NEWUSER, CLONE_NEWNET, CLONE_NEWNS = 0x10000000, 0x40000000, 0x00020000
        def attack():
            libc = ctypes.CDLL(None, use_errno=True)
            results = [libc.unshare(CLONE_NEWUSER), libc.unshare(CLONE_NEWUSER | CLONE_NEWNET),
                       libc.unshare(CLONE_NEWNS), libc.setns(0, 0)]
            errno = ctypes.get_errno()
            try:
                socket.socket(socket.AF_PACKET, socket.SOCK_RAW).close()
                results.append("packet socket open")
            except OSError:
                pass
            return results, errno
    """)
    assert value == ([-1, -1, -1, -1], 1)  # EPERM


def test_sysv_ipc_memfd_and_kernel_keys_fail(attack, no_sysv_left):
    value, _ = attack("""
        import ctypes
        IPC_CREAT, IPC_PRIVATE = 0o1000, 0
        def attack():
            libc = ctypes.CDLL(None, use_errno=True)
            got = [libc.shmget(IPC_PRIVATE, ctypes.c_size_t(512 << 20), IPC_CREAT | 0o600),
                   libc.semget(IPC_PRIVATE, 1, IPC_CREAT | 0o600),
                   libc.msgget(IPC_PRIVATE, IPC_CREAT | 0o600),
                   libc.mq_open(b"/rnncourse-attack", 0o100 | 2, 0o600, None),
                   libc.syscall(SYSCALLS["add_key"], b"user", b"held", b"x" * 1000,
                                ctypes.c_size_t(1000), -4)]  # the user keyring
            try:
                os.memfd_create("held")
                got.append("memfd")
            except OSError:
                pass
            return got
    """, SYSCALLS={"add_key": 248 if X86_64 else 217})
    assert value == [-1] * 5


def test_executable_anonymous_memory_is_refused(attack):
    value, _ = attack("""
        import ctypes, mmap
        PROT_RWX, MAP_PRIVATE_ANON = 7, 0x22
        def attack():
            libc = ctypes.CDLL(None, use_errno=True)
            libc.mmap.restype = ctypes.c_void_p
            libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                                  ctypes.c_int, ctypes.c_long]
            refused = []
            try:
                mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
            except OSError:
                refused.append("mmap rwx")
            writable = libc.mmap(None, 4096, 3, MAP_PRIVATE_ANON, -1, 0)
            if libc.mprotect(ctypes.c_void_p(writable), 4096, 5) != 0:
                refused.append("mprotect r-x")
            if libc.personality(0x0400000) == -1:  # READ_IMPLIES_EXEC
                refused.append("personality")
            return refused
    """)
    assert value == ["mmap rwx", "mprotect r-x", "personality"]


def test_an_i386_system_call_kills_the_process(attack):
    value, _ = attack(RUN_I386 + textwrap.dedent("""
        def attack():
            return run_i386()
    """), coding="latin-1")
    assert isinstance(value, StudentError) and value.kind == "crash", value


@pytest.mark.skipif(not X86_64, reason="i386 code")
@pytest.mark.parametrize("filtered", [False, True])
def test_the_filter_kills_an_i386_call_from_a_file_mapping(tmp_path, filtered):
    """The route the attack above takes once anonymous executable memory is
    refused works (it runs the i386 call), unless the filter is loaded: then
    the kernel kills the process with SIGSYS at the call."""
    script = tmp_path / "i386.py"
    script.write_bytes(("# -*- coding: latin-1 -*-\nimport numpy as np\n"
                        "from rnncourse.sandbox import seccomp\n" + RUN_I386
                        + ("assert seccomp.restrict()\n" if filtered else "")
                        + "print(run_i386(anonymous=False) == __import__('os').getpid())\n"
                        ).encode("latin-1"))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=60)
    if filtered:
        assert done.returncode == -signal.SIGSYS, done.stdout + done.stderr
    else:
        assert done.stdout == "True\n", done.stderr


@pytest.mark.skipif(not X86_64, reason="x32 numbers exist on x86_64 only")
def test_an_x32_system_call_kills_the_process(attack):
    value, _ = attack("""
        import ctypes
        def attack():
            return ctypes.CDLL(None).syscall(0x40000000 | 39)   # x32 getpid
    """)
    assert isinstance(value, StudentError) and value.kind == "crash", value


WRITE_FRAMES = """
import stat, struct

def write_frames(count, size=256 << 20):
    '''Frames straight to the judge's socket: a length, then bytes.'''
    sockets = [fd for fd in range(3, 64) if _is_socket(fd)]
    chunk = b"\\0" * (1 << 20)
    for _ in range(count):
        for fd in sockets:
            os.write(fd, struct.pack("<Q", size))
            for _ in range(size // len(chunk)):
                os.write(fd, chunk)

def _is_socket(fd):
    try:
        return stat.S_ISSOCK(os.fstat(fd).st_mode)
    except OSError:
        return False
"""


def test_a_frame_over_the_limit_is_refused_unread(attack):
    started = time.monotonic()
    value, _ = attack(WRITE_FRAMES + textwrap.dedent("""
        def attack():
            write_frames(4)
    """))
    assert time.monotonic() - started < 5
    assert isinstance(value, StudentError) and value.kind == "protocol", value
    assert f"a message of {256 << 20} bytes, over the limit" in str(value)


def test_a_result_over_the_limit_is_a_clear_failure(attack):
    value, _ = attack("""
        def attack():
            return np.zeros(2 << 20)   # 16 MB of float64
    """)
    assert isinstance(value, StudentError) and value.kind == "too-large", value


def test_the_judge_stays_small_however_large_the_frames(tmp_path):
    """In a judge process of its own: six 256 MB frames cost it no memory."""
    (tmp_path / "rnn.py").write_text("import os\n" + WRITE_FRAMES + textwrap.dedent("""
        def attack():
            write_frames(6)
        """))
    os.chmod(tmp_path, 0o755)
    script = textwrap.dedent(f"""
        import resource, sys
        from pathlib import Path
        from rnncourse.sandbox.process import StudentError, StudentProcess
        folder = Path({str(tmp_path)!r})
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        kinds = []
        for _ in range(6):
            with StudentProcess(folder / "rnn.py", workdir=folder, isolation="strict") as p:
                try:
                    p.call("attack", (), timeout=20)
                except StudentError as error:
                    kinds.append(error.kind)
        grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
        print(kinds.count("protocol"), grown // 1024)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    refused, grown_mb = map(int, done.stdout.split())
    assert refused == 6, done.stdout + done.stderr
    assert grown_mb < 48, f"the judge grew by {grown_mb} MB"  # three frames at the limit


def test_no_wait_lasts_past_the_students_deadline(attack):
    started = time.monotonic()
    value, _ = attack("""
        def attack():
            while True:
                pass
    """, deadline=time.monotonic() + 1.5, timeout=30)
    assert time.monotonic() - started < 4
    assert isinstance(value, StudentError) and value.kind == "timeout"
    assert "time limit for this submission" in str(value)


def test_the_largest_honest_reply_is_far_below_the_limit(course, monkeypatch):
    """Every reply of the course's checks, hidden ones included, on the solutions
    (about 23 kB at most): the limit leaves room for checks that ask for more."""
    from helpers.course import ROOT

    from rnncourse.checking import engine
    from rnncourse.sandbox.channel import Channel

    sizes = []
    receive = Channel.receive

    def recording(self, timeout=None, max_size=1 << 62):
        blob = receive(self, timeout, max_size)
        sizes.append((len(blob), int.from_bytes(blob[:4], "little")))
        return blob

    monkeypatch.setattr(Channel, "receive", recording)
    result = engine.run(course, list(course.exercises), ROOT / "solutions", include_hidden=True)
    assert all(e.score == e.max_score for e in result.exercises)
    frame, header = max(size for size, _ in sizes), max(header for _, header in sizes)
    assert 1000 < frame < protocol.MAX_FRAME / 4 and header < protocol.MAX_HEADER / 4


def test_limits_of_the_student_process(attack):
    value, _ = attack("""
        import resource
        def attack():
            return [resource.getrlimit(limit)[1] for limit in
                    (resource.RLIMIT_FSIZE, resource.RLIMIT_NOFILE, resource.RLIMIT_CORE)]
    """)
    assert value == [0, 64, 0]
