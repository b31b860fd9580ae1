"""Calling student code, whatever runs it: the interface checks and labs use,
the requests it sends, and how replies become values or StudentErrors.

Two backends implement it: StudentProcess (process.py; the student's file in a
process of its own) and InKernelStudent (inkernel.py; functions defined in a
notebook's kernel). Both build the same requests (protocol.py) and read the
same replies here, and both refuse, after a time-out, to call that function
again; they differ only in how a request reaches the code (``_exchange``).
"""

from __future__ import annotations

import re
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from rnncourse import untrusted
from rnncourse.sandbox.protocol import Handle


class StudentError(Exception):
    """The student's code failed in a way that fails the current check.

    ``brief`` is the message without anything the student's code wrote (its
    exception's own message): what a hidden check shows, since that text could
    hold the hidden inputs. It defaults to the message, for the messages the
    judge writes itself."""

    def __init__(self, message: str, kind: str = "exception", output: str = "",
                 types: tuple[str, ...] = (), brief: str | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.brief = str(getattr(message, "brief", message)) if brief is None else brief
        self.output = output
        self.types = types  # the exception's class and base class names, when it raised one


@dataclass
class Call:
    """The outcome of one call into the student's code, as plain data."""

    value: object
    watched: bool = False  # whether arguments and warnings were sent back
    # with watch: the paths of the arguments that came back changed, found here
    # by comparing what was sent with what came back; and what came back
    mutated: list = field(default_factory=list)
    arguments: list = field(default_factory=list)
    warnings: list = field(default_factory=list)  # what the process says it saw: shown only
    output: str = ""
    seconds: float = 0.0


class StudentCode(Protocol):
    """What checks and labs need of the student's code."""

    path: Path
    report: dict
    timed_out: dict[str, float]

    def start(self, timeout: float) -> None: ...

    def stop(self) -> None: ...

    def reset(self) -> None: ...

    def call(self, function: str, args: tuple, keep: tuple = (), timeout: float = 3.0,
             watch: bool = False) -> Call: ...

    def call_batch(self, calls: list[tuple[str, tuple, tuple]],
                   timeout: float = 3.0) -> list[Call | StudentError]: ...


class Caller(ABC):
    """The request code both backends share; subclasses deliver requests."""

    def __init__(self) -> None:
        # functions that ran out of time: not called again in this run, so one
        # endless loop costs one time limit, not one per check
        self.timed_out: dict[str, float] = {}

    @abstractmethod
    def _exchange(self, request: dict, timeout: float, functions: tuple[str, ...]) -> dict:
        """Send ``request``, return the decoded reply (a dict); a time-out raises
        StudentError after recording ``functions`` in ``timed_out``."""

    def call(self, function: str, args: tuple, keep: tuple = (), timeout: float = 3.0,
             watch: bool = False) -> Call:
        """Call ``function``; with ``watch``, the result also says which arguments
        came back changed by the call and which warnings the process reports."""
        started = self._begin((function,))
        reply = self._exchange(call_request(function, args, keep, watch), timeout, (function,))
        return call_from_reply(function, reply, _since(started), args if watch else None)

    def call_batch(self, calls: list[tuple[str, tuple, tuple]],
                   timeout: float = 3.0) -> list[Call | StudentError]:
        """Several independent calls (function, args, keep) in one round trip; each
        comes back as a Call or as the StudentError it raised, in order. A timeout
        or crash fails the whole batch (raised)."""
        functions = tuple(dict.fromkeys(function for function, _, _ in calls))
        started = self._begin(functions)
        reply = self._exchange({"op": "batch", "calls": [
            call_request(function, args, keep) for function, args, keep in calls]},
            timeout, functions)
        replies = reply.get("replies")
        if not isinstance(replies, list) or len(replies) != len(calls):
            raise StudentError("the student process sent a malformed reply", "protocol")
        seconds = _since(started)
        results: list[Call | StudentError] = []
        for (function, _, _), item in zip(calls, replies):
            try:
                results.append(call_from_reply(function, item if isinstance(item, dict)
                                               else {}, seconds))
            except StudentError as error:
                results.append(error)
        return results

    def _begin(self, functions: tuple[str, ...]) -> float:
        for function in functions:
            if function in self.timed_out:
                raise StudentError(
                    f"not run: {function} did not finish within {self.timed_out[function]:g} s "
                    "in an earlier check, so it is not called again", "timeout")
        return time.perf_counter()

    def _ran_out_of_time(self, functions: tuple[str, ...], timeout: float) -> StudentError:
        """The error for a request that ran out of time; ``functions`` are not
        called again."""
        for function in functions:
            self.timed_out[function] = timeout
        who = " and ".join(functions) or "your file"
        return StudentError(f"{who} did not finish within {timeout:g} s (time limit per "
                            "check)", "timeout")


def _since(started: float) -> float:
    return time.perf_counter() - started


def call_request(function: str, args: tuple, keep: tuple = (), watch: bool = False) -> dict:
    return {"op": "call", "fn": function, "args": list(args), "keep": list(keep),
            "watch": watch}


def call_from_reply(function: str, reply: dict, seconds: float,
                    sent: tuple | None = None) -> Call:
    """A Call from a decoded reply, or the StudentError it reports. With ``sent``
    (the arguments of a watched call), the arguments the reply sends back are
    compared with them here, in the judge."""
    if not reply.get("ok"):
        error = reply.get("error")
        message, kind, brief = call_failure(function, error)
        raise StudentError(message, kind, text(reply.get("output")), _exception_types(error),
                           brief)
    call = Call(value=reply.get("value"), output=text(reply.get("output")), seconds=seconds)
    if sent is not None:
        back = reply.get("args")
        if not isinstance(back, list) or len(back) != len(sent):
            raise StudentError(f"{function}: the student process did not send back the "
                               "arguments of the call", "protocol", output=call.output)
        call.watched, call.arguments = True, back
        call.mutated = changed_paths(list(sent), back)
        call.warnings = [text(w, 300) for w in _items(reply.get("warnings"))[:20]
                         if isinstance(w, str)]
    return call


def _items(value: object) -> list:
    return value if isinstance(value, list) else []


def changed_paths(sent: object, back: object, path: tuple = ()) -> list[list]:
    """The paths (argument index, then keys or indices) at which ``back`` differs
    from ``sent``: arrays in dtype, shape or any value (NaN equal to NaN), lists
    and dicts in length or keys. What was sent as a handle is an object of the
    student's process, which the judge cannot see: not compared."""
    if isinstance(sent, Handle):
        return []
    if type(sent) is np.ndarray:
        same = (type(back) is np.ndarray and back.dtype == sent.dtype
                and back.shape == sent.shape and np.array_equal(back, sent, equal_nan=True))
        return [] if same else [list(path)]
    if isinstance(sent, (tuple, list)):
        if type(back) is not type(sent) or len(back) != len(sent):
            return [list(path)]
        return [changed for index, (old, new) in enumerate(zip(sent, back))
                for changed in changed_paths(old, new, (*path, index))]
    if isinstance(sent, dict):
        if not isinstance(back, dict):
            return [list(path)]
        changed = [[*path, key] for key in sent if key not in back]
        changed += [[*path, key] for key in back if key not in sent]
        for key in sent:
            if key in back:
                changed += changed_paths(sent[key], back[key], (*path, key))
        return changed
    return [] if _same_scalar(sent, back) else [list(path)]


def _same_scalar(sent: object, back: object) -> bool:
    if isinstance(sent, (bool, np.bool_)):
        return type(back) is bool and back == bool(sent)
    if isinstance(sent, (int, float, np.integer, np.floating)):
        if type(back) not in (int, float):
            return False
        return back == sent or (back != back and sent != sent)
    return type(back) is type(sent) and back == sent


# The kinds of failure a student process may report (worker._describe and
# worker._failure); whatever else it claims is an exception of the student's.
# "internal" is never among them: only the judge decides the grader failed.
REPORTED_KINDS = frozenset({"exception", "not-implemented", "missing", "exit", "memory",
                            "too-large", "stale", "protocol"})
IMPORT_KINDS = REPORTED_KINDS | {"syntax"}
MAX_MESSAGE = 500  # characters of a student's exception message
MAX_OUTPUT = 2000  # characters of what the student's code printed, per reply
_WHERE = re.compile(r"[\w.-]{1,80}, line \d{1,7}")


def text(value: object, limit: int = MAX_OUTPUT) -> str:
    """A string from the student's process, made safe (rnncourse.untrusted):
    lone surrogates and control, bidi and format characters escaped, at most
    ``limit`` characters; "" for anything not a string."""
    return untrusted.text(value, limit) if isinstance(value, str) else ""


def _error_fields(error: object, kinds: frozenset[str] = REPORTED_KINDS
                  ) -> tuple[str, str, str, str]:
    """(kind, type name, message, where) of a reported failure: the kind one of
    ``kinds`` (anything else: "exception"), the texts made safe and bounded."""
    if not isinstance(error, dict):
        return "exception", "", "", ""
    kind = error.get("kind")
    kind = kind if isinstance(kind, str) and kind in kinds else "exception"
    type_name = _type_name(error.get("type"))
    message = error.get("message")
    where = error.get("where")
    return kind, type_name, message if isinstance(message, str) else "", _where(where)


def _where(value: object) -> str:
    """"file.py, line 12" as it is; anything else the process claims, quoted."""
    if not isinstance(value, str) or not value:
        return ""
    return value if _WHERE.fullmatch(value) else untrusted.quoted(value, 80)


def _type_name(value: object) -> str:
    """An exception's class name as shown ("" when none)."""
    return untrusted.identifier(value) if isinstance(value, str) and value else ""


def _exception_types(error: object) -> tuple[str, ...]:
    names = error.get("types") if isinstance(error, dict) else None
    return tuple(untrusted.line(name, 80) for name in names[:12] if isinstance(name, str)) \
        if isinstance(names, list) else ()


class Message(str):
    """A message that also knows its ``brief`` form: the same words without the
    student's (StudentError takes it from there)."""

    brief: str

    @classmethod
    def of(cls, brief: str, said: str = "") -> Message:
        message = cls(brief + said)
        message.brief = brief
        return message


def _said(message: str) -> str:
    """The student's exception message, quoted, after a colon; "" when empty."""
    return f": {untrusted.quoted(message, MAX_MESSAGE)}" if message else ""


def import_failure(filename: str, error: object) -> Message:
    kind, type_name, message, where = _error_fields(error, IMPORT_KINDS)
    place = f" ({where})" if where else ""
    if kind == "syntax":
        return Message.of(f"{filename} has a {type_name or 'SyntaxError'}{place}", _said(message))
    if kind == "exit":
        return Message.of(f"{filename} called sys.exit() while being imported{place}")
    return Message.of(f"importing {filename} raised {type_name or 'an exception'}{place}",
                      _said(message))


def call_failure(function: str, error: object) -> tuple[str, str, str]:
    """(message, kind, brief) for a failed call: ``brief`` is the message
    without the student's own text (what a hidden check may show)."""
    kind, type_name, message, where = _error_fields(error)
    place = f" ({where})" if where else ""
    if kind == "not-implemented":
        raiser = error.get("function") if isinstance(error, dict) else ""
        if isinstance(raiser, str) and raiser != function and raiser.isidentifier() \
                and len(raiser) <= 80:
            said = f"{function} calls {raiser}, which is not implemented yet"
        else:
            said = f"{function} is not implemented yet (it raises NotImplementedError)"
        return said, kind, said
    if kind == "missing":
        said = f"{function} is not defined in your file"
    elif kind == "exit":
        said = f"{function} called sys.exit(){place}"
    elif kind == "memory":
        said = f"{function} ran out of memory{place}"
    elif kind == "too-large":
        said = f"{function} returned a result too large to check"
    elif kind == "stale":
        said = f"{function} was given a cache that comes from an earlier run of your file"
    elif kind == "protocol":
        said = f"{function}: the student process could not read the request"
    else:
        brief = f"{function} raised {type_name or 'an exception'}{place}"
        return brief + _said(message), kind, brief
    return said, kind, said
