"""The ``attack`` fixture: a student file run under strict isolation, as in class
grading, whose function ``attack()`` performs an attack and returns what it got."""

import os
import shutil
import textwrap

import pytest
from helpers.course import ROOT

from rnncourse.sandbox import forkserver
from rnncourse.sandbox.process import StudentError, StudentProcess


@pytest.fixture
def attack(tmp_path, monkeypatch):
    """attack(code, **values) -> (what `attack()` in a student file returned, or
    the StudentError it raised; the process's isolation report). The file
    starts with a few imports and ``NAME = value`` lines for ``values``.

    ``coding="latin-1"`` writes the file in that encoding (so it may hold any
    byte but NUL); ``env`` starts a fork server of its own with that
    environment; ``inspect(pid)`` is called with the student process's pid
    while it still runs, after the call;
    ``deadline`` and ``timeout`` go to the StudentProcess and the call."""
    base = tmp_path / "grading"
    base.mkdir()
    os.chmod(base, 0o711)
    victim = tmp_path / "other-student"
    victim.mkdir()
    (victim / "rnn.py").write_text("# someone else's work\n")
    servers = []

    def run(code, coding="utf-8", env=None, inspect=None, deadline=None, timeout=10,
            **values):
        copy = base / "copy"
        shutil.rmtree(copy, ignore_errors=True)
        copy.mkdir()
        source = f"# -*- coding: {coding} -*-\nimport os, sys, signal, socket\nimport numpy as np\n"
        source += "".join(f"{name} = {value!r}\n" for name, value in values.items())
        source += textwrap.dedent(code)
        (copy / "rnn.py").write_bytes(source.encode(coding))
        if env is not None:
            with monkeypatch.context() as scoped:
                for name in list(os.environ):
                    scoped.delenv(name)
                for name, value in env.items():
                    scoped.setenv(name, value)
                server = forkserver.ForkServer()
            servers.append(server)
            monkeypatch.setattr(forkserver, "_current", server)
        limits = {"deadline": deadline} if deadline is not None else {}
        with StudentProcess(copy / "rnn.py", workdir=copy, isolation="strict",
                            deny=(ROOT,), **limits) as process:
            try:
                value = process.call("attack", (), timeout=timeout).value
                if inspect is not None:
                    inspect(process._pid)
                return value, process.report
            except StudentError as error:
                return error, process.report

    run.victim = victim
    run.copy = base / "copy"
    yield run
    for server in servers:
        server.close()
