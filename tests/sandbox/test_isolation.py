"""Strict isolation (class grading): the student's process can compute, but not
read the course, write or delete outside its copy, signal the judge, fork, or
reach the network. Each attack is written as a student would."""

import os
import socket
import threading

import pytest
from helpers.course import ROOT

from rnncourse.sandbox import landlock
from rnncourse.sandbox.process import StudentError

NEEDS_LANDLOCK = pytest.mark.skipif(landlock.abi_version() < 6,
                                    reason="needs Linux with Landlock ABI 6 (kernel 6.12+)")


@NEEDS_LANDLOCK
def test_report_says_what_holds(attack):
    value, report = attack("def attack():\n    return 1.0\n")
    assert value == 1.0
    assert report["isolation"] == "strict" and report["landlock_abi"] >= 6
    assert report["network"] and report["signals"] and report["seccomp"] and report["read-only"]
    assert report["capabilities-dropped"] == (os.geteuid() == 0)


@NEEDS_LANDLOCK
def test_reading_the_solutions_fails(attack):
    value, _ = attack("""
        def attack():
            return open(SOLUTION).read()
    """, SOLUTION=str(ROOT / "solutions" / "lstm.py"))
    assert isinstance(value, StudentError) and "PermissionError" in str(value)


@NEEDS_LANDLOCK
def test_importing_the_graders_code_fails(attack):
    value, _ = attack("""
        def attack():
            from rnncourse.mistakes import lstm
            return 1.0
    """)
    assert isinstance(value, StudentError)
    assert "PermissionError" in str(value) or "ModuleNotFoundError" in str(value)


@NEEDS_LANDLOCK
def test_writing_or_deleting_outside_the_copy_fails(attack):
    outside = attack.victim.parent / "planted.txt"
    value, _ = attack("""
        def attack():
            errors = []
            for action in (lambda: open(OUTSIDE, "w").write("x"),
                           lambda: os.remove(VICTIM),
                           lambda: os.rename(VICTIM, VICTIM + ".bak"),
                           lambda: open("/tmp/planted", "w").write("x")):
                try:
                    action()
                except OSError as error:
                    errors.append(type(error).__name__)
            return len(errors)
    """, OUTSIDE=str(outside), VICTIM=str(attack.victim / "rnn.py"))
    assert value == 4
    assert not outside.exists() and (attack.victim / "rnn.py").exists()


@NEEDS_LANDLOCK
def test_its_own_copy_is_read_only(attack):
    """No file can be written anywhere, so no disk can be filled: not the copy,
    not TMPDIR or HOME (which point at it), not a new folder, not its own file."""
    value, _ = attack("""
        import tempfile
        def attack():
            failures = []
            for action in (lambda: open("notes.txt", "w"),
                           lambda: open(os.path.join(os.environ["TMPDIR"], "t"), "wb"),
                           lambda: open(os.path.expanduser("~/.cache"), "w"),
                           lambda: tempfile.NamedTemporaryFile(),
                           lambda: os.mkdir("folder"),
                           lambda: os.mkfifo("fifo"),
                           lambda: os.symlink("rnn.py", "link"),
                           lambda: open("rnn.py", "a").write("# more"),
                           lambda: os.truncate("rnn.py", 0),
                           lambda: os.rename("rnn.py", "moved.py"),
                           lambda: os.remove("rnn.py")):
                try:
                    action()
                except OSError as error:
                    failures.append(type(error).__name__)
            return failures
    """)
    # tempfile, finding no folder it may write, says FileNotFoundError
    assert value == ["PermissionError"] * 3 + ["FileNotFoundError"] + ["PermissionError"] * 7
    assert sorted(path.name for path in attack.copy.iterdir()) == ["rnn.py"]
    assert attack.copy.joinpath("rnn.py").stat().st_size > 0


@NEEDS_LANDLOCK
def test_reading_its_copy_and_the_runtime_works(attack):
    value, _ = attack("""
        def attack():
            import numpy.random, numpy.linalg, numpy.fft   # lazy imports of the runtime
            import json, decimal, sqlite3, hashlib
            a = numpy.random.default_rng(0).standard_normal((50, 50))
            inverse = numpy.linalg.inv(a) @ a
            return float(len(open("rnn.py").read()) > 0) + float(np.allclose(inverse, np.eye(50)))
    """)
    assert value == 2.0


@NEEDS_LANDLOCK
def test_signalling_the_judge_or_the_fork_server_fails(attack):
    from rnncourse.sandbox import forkserver

    judge, server = os.getpid(), forkserver.current().process.pid
    value, _ = attack("""
        def attack():
            failures = 0
            for pid in (JUDGE, SERVER, os.getppid()):
                for sig in (signal.SIGKILL, signal.SIGTERM):
                    try:
                        os.kill(pid, sig)
                    except OSError:
                        failures += 1
            try:
                os.killpg(os.getpgid(JUDGE), signal.SIGKILL)
            except OSError:
                failures += 1
            return failures
    """, JUDGE=judge, SERVER=server)
    assert value == 7
    assert forkserver.current().alive()


@NEEDS_LANDLOCK
def test_forking_and_threads_fail(attack):
    value, _ = attack("""
        import subprocess, threading
        def attack():
            failures = 0
            for start in (os.fork, lambda: subprocess.run(["true"]),
                          lambda: threading.Thread(target=print).start()):
                try:
                    start()
                except (OSError, RuntimeError):
                    failures += 1
            return failures
    """)
    assert value == 3


@NEEDS_LANDLOCK
def test_privileged_calls_fail(attack):
    value, _ = attack("""
        import ctypes
        def attack():
            libc = ctypes.CDLL(None, use_errno=True)
            return libc.sethostname(b"pwned", 5)   # needs CAP_SYS_ADMIN
    """)
    assert value == -1


@NEEDS_LANDLOCK
def test_network_fails(attack):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    threading.Thread(target=lambda: server.accept(), daemon=True).start()
    value, _ = attack("""
        def attack():
            try:
                socket.create_connection(("127.0.0.1", PORT), timeout=2)
            except OSError:
                return 1.0
            return 0.0
    """, PORT=server.getsockname()[1])
    server.close()
    assert value == 1.0


def test_allow_except(tmp_path):
    for name in ("runtime/site/numpy", "runtime/site/rnncourse", "runtime/lib", "course/.venv"):
        (tmp_path / name).mkdir(parents=True)
    allowed = landlock.allow_except(
        [tmp_path / "runtime", tmp_path / "course" / ".venv"],
        [tmp_path / "runtime" / "site" / "rnncourse", tmp_path / "course"])
    assert allowed == sorted([tmp_path / "course" / ".venv", tmp_path / "runtime" / "lib",
                              tmp_path / "runtime" / "site" / "numpy"])


def test_readable_roots_leave_out_the_package_and_the_denied_trees():
    import sys
    from pathlib import Path

    import rnncourse
    from rnncourse.sandbox import worker

    package = Path(rnncourse.__file__).resolve().parent
    assert worker.PACKAGE == package
    course = package.parent
    roots = worker.readable_roots((str(course),))
    assert Path(sys.base_prefix).resolve() in roots or any(
        root in Path(sys.base_prefix).resolve().parents for root in roots)
    for root in roots:  # nothing allowed reaches the package (a venv inside the course may)
        assert root != package and root not in package.parents
        assert root not in course.parents


def test_isolation_is_described_in_one_line():
    from rnncourse.sandbox.probe import describe_isolation

    line, complete = describe_isolation({"landlock_abi": 7, "network": True, "signals": True,
                                         "seccomp": True})
    assert complete and line.startswith("Isolation of student code: Landlock ABI 7")
    line, complete = describe_isolation({"landlock": "unavailable (old kernel)",
                                         "seccomp": True})
    assert not complete and "MISSING: file, network and signal restrictions" in line
