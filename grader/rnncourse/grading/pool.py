"""The orchestrator's pool of judge processes (see judge.py).

Each judge is a fresh interpreter started with subprocess (fork + exec, safe
while the orchestrator runs rich's refresh thread), in a session of its own
so that neither Ctrl-C nor a signal aimed at a process group reaches past
it. A judge grades one student at a time; when it dies or hangs, only the
student it was grading is affected: that student is reported as an error and
a new judge takes its place.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import cast

from rnncourse.grading.replies import JudgeReply
from rnncourse.results import Status
from rnncourse.sandbox import forkserver, reaper

MAX_START_FAILURES = 3


def usable_cpus() -> list[int]:
    """The CPUs this process may run on; empty where that cannot be set."""
    try:
        return sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return []


class JudgeStartError(Exception):
    """Judges keep dying before they are ready: nothing can be graded."""


class Judge:
    def __init__(self, root: Path, scratch: Path, log: Path, cpu: int | None = None,
                 memory_mb: int | None = None) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        env = forkserver.one_blas_thread(dict(os.environ))  # judges share the cores
        self.log_path = log
        self.cpu = cpu
        with open(log, "ab") as log_file:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "rnncourse.grading.judge", str(theirs.fileno()), str(root),
                 str(scratch), "" if cpu is None else str(cpu),
                 "" if memory_mb is None else str(memory_mb)],
                pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=log_file, env=env, start_new_session=True)
        theirs.close()
        self.socket = ours
        self._reader = ours.makefile("rb")
        self.ready = False
        self.task: dict | None = None
        self.since = 0.0

    def fileno(self) -> int:
        return self.socket.fileno()

    def send(self, task: dict) -> bool:
        self.task, self.since = task, time.monotonic()
        try:
            self.socket.sendall(json.dumps(task).encode() + b"\n")
        except OSError:
            return False
        return True

    def receive(self) -> dict | None:
        """The judge's next message, or None when it has died."""
        try:
            line = self._reader.readline()
            return json.loads(line) if line.endswith(b"\n") else None
        except (OSError, ValueError):
            return None

    def how_it_ended(self) -> str:
        try:
            code = self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return "it stopped answering"
        if code < 0:
            try:
                return f"it was killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"it was killed by signal {-code}"
        last = self.last_log_line()
        return f"it exited with code {code}" + (f": {last[:200]}" if last else "")

    def last_log_line(self) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").strip().splitlines()
        except OSError:
            return ""
        return lines[-1] if lines else ""

    def kill(self) -> None:
        """Stop the judge now, busy or not, with every process below it: its fork
        server, student processes and any orphan of theirs (the judge adopts
        them: reaper.py). Its temporary copies go with the run's scratch folder."""
        for closable in (self._reader, self.socket):
            try:
                closable.close()
            except OSError:
                pass
        if self.process.returncode is None:  # not reaped: the pid is still the judge's
            reaper.kill_tree(self.process.pid)

    def reap(self) -> None:
        self.process.wait()


class JudgePool:
    """``size`` judges grading a queue of tasks (one student each).

    Each judge, with its fork server and student processes, is kept on one CPU
    of its own (round robin when there are more judges than CPUs). A judge and
    its student process take turns, hundreds of times per student; on one CPU
    each turn starts at once, while letting the scheduler spread them over all
    CPUs left about a sixth of the machine idle between turns.
    """

    def __init__(self, size: int, root: Path, scratch: Path,
                 memory_mb: int | None = None) -> None:
        """``memory_mb``: the student processes' cap, instead of course.toml's
        (the Gradescope autograder's, which must fit its container)."""
        self.root = root
        self.scratch = scratch
        self.memory_mb = memory_mb
        self._count = 0
        self._start_failures = 0
        self._cpus = usable_cpus()
        self.judges = [self._start(slot) for slot in range(size)]
        self.isolation: dict | None = None  # what strict isolation holds, as a judge found it

    def _start(self, slot: int) -> Judge:
        self._count += 1
        cpu = self._cpus[slot % len(self._cpus)] if self._cpus else None
        return Judge(self.root, self.scratch, self.scratch / f"judge-{self._count}.log", cpu,
                     self.memory_mb)

    def run(self, tasks: list[dict], on_reply: Callable[[JudgeReply], None],
            stop: Callable[[], bool], hang_after: float) -> bool:
        """Grade ``tasks``; call ``on_reply`` with each reply (in this thread).

        Returns False when ``stop()`` turned true before the queue was done.
        A judge that dies or takes longer than ``hang_after`` seconds on one
        student yields an "error" reply for that student and is replaced.
        """
        queue = deque(tasks)
        with selectors.DefaultSelector() as selector:
            for judge in self.judges:
                selector.register(judge, selectors.EVENT_READ)
            while queue or any(judge.task for judge in self.judges):
                if stop():
                    return False
                for judge in self.judges:
                    if judge.ready and judge.task is None and queue:
                        judge.send(queue.popleft())
                for key, _ in selector.select(timeout=0.2):
                    # only judges are registered
                    self._handle(cast(Judge, key.fileobj), selector, on_reply)
                now = time.monotonic()
                for judge in list(self.judges):
                    if judge.task is not None and now - judge.since > hang_after:
                        self._replace(judge, selector, on_reply,
                                      f"grading took longer than {hang_after:g} s; it was "
                                      "stopped")
        return True

    def _handle(self, judge: Judge, selector: selectors.BaseSelector,
                on_reply: Callable[[JudgeReply], None]) -> None:
        message = judge.receive()
        if message is None:
            if not judge.ready:
                self._start_failures += 1
                if self._start_failures >= MAX_START_FAILURES:
                    detail = judge.last_log_line() or judge.how_it_ended()
                    raise JudgeStartError(f"the grading processes fail to start: {detail}")
            self._replace(judge, selector, on_reply, None)
        elif "ready" in message:
            judge.ready = True
            if self.isolation is None and isinstance(message.get("isolation"), dict):
                self.isolation = message["isolation"]
        elif judge.task is not None:
            judge.task = None
            on_reply(JudgeReply.from_dict(message))

    def _replace(self, judge: Judge, selector: selectors.BaseSelector,
                 on_reply: Callable[[JudgeReply], None], why: str | None) -> None:
        task = judge.task
        selector.unregister(judge)
        if task is not None and why is None:
            why = (f"the grading process stopped while grading this student "
                   f"({judge.how_it_ended()})")
        judge.kill()
        judge.reap()
        if task is not None:
            on_reply(JudgeReply(task["student_id"], Status.ERROR,
                                f"{why}; run the same command again to retry",
                                seconds=round(time.monotonic() - judge.since, 4)))
        slot = self.judges.index(judge)
        replacement = self._start(slot)
        self.judges[slot] = replacement
        selector.register(replacement, selectors.EVENT_READ)

    def close(self) -> None:
        # Killing all first and reaping after is much faster than letting each
        # interpreter tear itself down in turn.
        for judge in self.judges:
            judge.kill()
        for judge in self.judges:
            judge.reap()
        self.judges = []

    def __enter__(self) -> JudgePool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
