"""The student side: imports one student file and calls its functions on request.

This module runs inside a separate process that holds nothing of the judge's
(no solutions, no checks). Whatever happens here — loops, exits, patched numpy,
lies about return types — can only change the bytes this process sends back,
and the judge treats those as untrusted data (see protocol.py).
"""

from __future__ import annotations

import functools
import io
import os
import sys
import traceback
import types
import warnings
from pathlib import Path

import numpy as np

from rnncourse.sandbox import environment, landlock, protocol, seccomp, sharedstate
from rnncourse.sandbox.channel import Channel, ChannelClosed

MAX_OUTPUT = 2000
# The whole rnncourse package, not just sandbox/: checks/ and mistakes/ (known-wrong
# variants, one change away from a solution) sit beside this folder.
PACKAGE = Path(__file__).resolve().parents[1]


class _Captured(io.TextIOBase):
    """Collects what the student prints, up to a limit."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if self.size < MAX_OUTPUT:
            piece = str(text)[: MAX_OUTPUT - self.size]
            self.parts.append(piece)
            self.size += len(piece)
        return len(text)

    def take(self) -> str:
        text = "".join(self.parts)
        self.parts, self.size = [], 0
        return text


class Session:
    def __init__(self, conn, generation: int) -> None:
        self.conn = conn
        self.generation = generation
        self.objects: dict[int, object] = {}
        # the student's module, or any object getattr finds their functions on
        self.module: object = None
        self.student_dir = ""
        self.workdir: Path | None = None  # set under strict isolation
        self.captured = _Captured()
        self.snapshot: sharedstate.Snapshot | None = None  # shared state before any student code
        self.own_modules: set[str] = set()  # the student's files imported so far
        self.max_frame = protocol.MAX_OWN_FRAME  # the largest reply the judge accepts

    def keep(self, value: object) -> protocol.Handle:
        handle_id = len(self.objects) + 1
        while handle_id in self.objects:
            handle_id += 1
        self.objects[handle_id] = value
        return protocol.Handle(handle_id, generation=self.generation)

    def send(self, message: dict) -> None:
        self.conn.send(self.encode(message))

    def encode(self, message: dict) -> bytes:
        """``message`` as a reply, or a "too-large" error where it would be over
        the size the judge accepts."""
        blob = protocol.encode(message, keep=self.keep)
        if len(blob) > self.max_frame:
            blob = protocol.encode({"ok": False, "error": {
                "kind": "too-large", "type": "", "message": "the result is too large to send"}})
        return blob

    def resolve(self, value: object) -> object:
        """Replace handles in the judge's arguments by the objects they stand for."""
        if isinstance(value, protocol.Handle):
            if value.generation != self.generation or value.id not in self.objects:
                raise LookupError("this cache comes from an earlier run of your file")
            return self.objects[value.id]
        if isinstance(value, tuple):
            return tuple(self.resolve(item) for item in value)
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if isinstance(value, dict):
            return {key: self.resolve(item) for key, item in value.items()}
        return value


def serve(fd: int, path: str | Path, generation: int, memory_mb: int,
          workdir: str | None = None, isolation: str = "basic",
          deny: list[str] | None = None) -> None:
    """Process entry point: import the student file, then answer calls until EOF.

    ``fd`` is the socket shared with the judge; everything else the process
    had open is closed first. With ``isolation="strict"`` the process locks
    itself down (strict_isolation) before the student's code first runs.
    """
    os.closerange(3, fd)
    os.closerange(fd + 1, 65536)
    conn = Channel.from_fd(fd)
    _isolate(memory_mb)
    session = Session(conn, generation)
    session.max_frame = protocol.frame_limit(isolation)
    path = Path(path).resolve()
    session.student_dir = str(path.parent)
    os.chdir(workdir or session.student_dir)
    sys.path.insert(0, session.student_dir)
    report = {"isolation": isolation}
    if isolation == "strict":
        session.workdir = Path(workdir or session.student_dir).resolve()
        report.update(strict_isolation(session.workdir, deny or []))
    sys.stdout = sys.stderr = session.captured
    warnings.simplefilter("ignore")  # recorded only where a check asks (watch)
    if isolation == "strict" and sharedstate.prepared():
        session.snapshot = sharedstate.Snapshot(os.getcwd(), memory_mb)
    session.send({**_import(session, path), "report": report})
    while True:
        try:
            request = protocol.decode_request(conn.receive())
        except (ChannelClosed, protocol.ProtocolError):
            os._exit(0)
        if isinstance(request, dict) and request.get("op") == "switch":
            _switch(session, request)
        else:
            session.send(answer(session, request))


def _switch(session: Session, request: dict) -> None:
    """Take on another file of the same student in place of the current one:
    first say whether the files so far left the state that all files share as
    they found it (sharedstate.py); only if they did, import the new file and
    send the outcome, as at the start. Otherwise the judge starts a fresh
    process for the new file and ends this one."""
    snapshot = session.snapshot
    changed = (snapshot.changes(session.own_modules) if snapshot is not None
               else ["this process does not watch the state its files share"])
    session.send({"ok": not changed})
    if changed or snapshot is None:
        return
    snapshot.restore_warnings()
    session.objects.clear()
    session.generation = request["generation"]
    session.send(_import(session, Path(request["path"])))  # resolved by the judge


def _isolate(memory_mb: int) -> None:
    try:
        os.setsid()
    except OSError:
        pass
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    try:
        import resource

        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):
        pass


def strict_isolation(workdir: Path, deny: list[str]) -> dict:
    """Lock this process down before any student code runs, for class grading.

    - environment: the fixed allow-list of environment.py, HOME and TMPDIR
      pointing at ``workdir``;
    - files (Landlock): read-only access to the Python runtime except the
      rnncourse package and the ``deny`` trees, and to ``workdir``; no writes
      anywhere, so no disk to fill (where Landlock is missing, RLIMIT_FSIZE 0
      still keeps any file from growing); no TCP, no signals or abstract
      sockets reaching outside this process;
    - system calls (seccomp.py): native ABI only, no new processes, threads or
      namespaces, no SysV IPC, memfd or keyrings, no new sockets (connected
      Unix pairs only), no executable anonymous memory;
    - root's capabilities dropped; descriptors and core files bounded.

    Returns what holds."""
    import resource
    import signal

    report: dict = {}
    inherited = dict(os.environ)
    os.environ.clear()  # through unsetenv: the C library's copy goes too
    os.environ.update(environment.for_student(inherited, str(workdir)))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write that grows a file fails instead
    for limit, value in ((resource.RLIMIT_NPROC, 0), (resource.RLIMIT_FSIZE, 0),
                         (resource.RLIMIT_NOFILE, 64), (resource.RLIMIT_CORE, 0)):
        try:
            resource.setrlimit(limit, (value, value))
        except (ValueError, OSError):
            report.setdefault("limits-not-set", []).append(str(limit))
    try:
        ruleset = landlock.Ruleset([*readable_roots(tuple(deny)), workdir], [])
        report.update(ruleset.enforce())
        report["read-only"] = True
    except landlock.LandlockError as error:
        report["landlock"] = f"unavailable ({error})"
    report["capabilities-dropped"] = seccomp.drop_capabilities()
    report["seccomp"] = seccomp.restrict()
    return report


@functools.cache
def readable_roots(deny: tuple[str, ...]) -> tuple[Path, ...]:
    """The folders a strictly isolated process may read: the Python runtime and
    system libraries, minus the rnncourse package and the ``deny`` trees.
    Computed once in the fork server (prepare_strict_isolation) and inherited."""
    package = PACKAGE
    roots = {Path(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix,
                               sys.base_exec_prefix)}
    roots |= {Path(p) for p in ("/usr/lib", "/usr/lib64", "/lib", "/lib64", "/usr/local/lib")}
    roots = {root for root in roots if root != Path("/")}
    return tuple(landlock.allow_except(list(roots), [package, *map(Path, deny)]))


def prepare_strict_isolation(deny: list[str]) -> None:
    """Do in the fork server, once, what every strict student process would
    otherwise redo: find the readable folders, load libc, build the filter;
    and set up the watch on shared state that lets one process take a
    student's files one after the other (sharedstate.py)."""
    readable_roots(tuple(deny))
    landlock.prepare()
    seccomp.prepare()
    sharedstate.prepare()


def _import(session: Session, path: Path) -> dict:
    """Run the student's file as the module ``path.stem``."""
    name = path.stem
    # as nobody, folders above the working directory may not be searchable
    readable = Path(path.name) if session.workdir == path.parent else path
    try:
        module = types.ModuleType(name)
        module.__file__ = str(path)
        sys.modules[name] = module
        session.own_modules.add(name)
        source = readable.read_bytes()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exec(compile(source, str(path), "exec"), module.__dict__)
    except BaseException as error:  # noqa: BLE001 - student code may raise anything
        return {"ok": False, "error": _describe(session, error), "output": session.captured.take()}
    session.module = module
    return {"ok": True, "output": session.captured.take()}


def answer(session: Session, request: object) -> dict:
    if not isinstance(request, dict):
        return _failure("protocol", "bad request")
    if request.get("reset"):
        session.objects.clear()
    op = request.get("op")
    if op == "reset":
        return {"ok": True}
    if op == "call":
        return _call(session, request["fn"], request["args"], request.get("keep", []),
                     request.get("watch", False))
    if op == "batch":  # several calls in one round trip, each answered on its own
        return {"ok": True, "replies": [answer(session, item) for item in request["calls"]]}
    return _failure("protocol", f"unknown request {op!r}")


def _call(session: Session, name: str, args: list, keep: list, watch: bool = False) -> dict:
    """Call the student's function. With ``watch``, the reply also holds the
    arguments as they are after the call, for the judge to compare with what it
    sent (it never takes this process's word that they are unchanged), and the
    warnings the call raised (only shown: nothing here can vouch for them)."""
    function = getattr(session.module, name, None)
    if not callable(function):
        return _failure("missing", f"{name} is not defined in your file")
    try:
        args = [session.resolve(arg) for arg in args]
    except LookupError as error:
        return _failure("stale", str(error))
    with warnings.catch_warnings(record=watch) as caught:
        if watch:
            warnings.simplefilter("always")
        try:
            with np.errstate(all="warn", under="ignore"):
                value = function(*args)
        except BaseException as error:  # noqa: BLE001 - student code may raise anything
            return {"ok": False, "error": _describe(session, error),
                    "output": session.captured.take()}
    if isinstance(value, tuple) and keep:
        value = tuple(session.keep(item) if index in keep else item
                      for index, item in enumerate(value))
    answer = {"ok": True, "value": value, "output": session.captured.take()}
    if watch:
        answer["args"] = args
        answer["warnings"] = [_warning_text(w) for w in (caught or [])[:20]]  # a list: watch
    return answer


def _warning_text(caught: warnings.WarningMessage) -> str:
    return f"{caught.category.__name__}: {caught.message}"[:300]


def _failure(kind: str, message: str) -> dict:
    return {"ok": False, "error": {"kind": kind, "type": "", "message": message}}


def _describe(session: Session, error: BaseException) -> dict:
    """What went wrong, and where in the student's own files."""
    kind = "exception"
    if isinstance(error, NotImplementedError):
        kind = "not-implemented"
    elif isinstance(error, SystemExit):
        kind = "exit"
    elif isinstance(error, MemoryError):
        kind = "memory"
    elif isinstance(error, SyntaxError):
        kind = "syntax"
    try:
        message = str(error)
    except BaseException:  # noqa: BLE001 - a student exception's __str__ may raise
        message = ""
    where = function = ""
    if isinstance(error, SyntaxError) and error.lineno:
        where = f"{Path(error.filename or '').name}, line {error.lineno}"
        message = error.msg or message
    else:
        # the innermost frame in the student's files (walk_tb reads no source lines)
        for frame, lineno in reversed(list(traceback.walk_tb(error.__traceback__))):
            filename = frame.f_code.co_filename
            if os.path.abspath(filename).startswith(session.student_dir):
                where = f"{Path(filename).name}, line {lineno}"
                function = frame.f_code.co_name
                break
    return {"kind": kind, "type": type(error).__name__, "message": message[:500], "where": where,
            "function": function, "types": [c.__name__ for c in type(error).__mro__][:12]}
