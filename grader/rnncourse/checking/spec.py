"""What a check is: the @check decorator, its spec, and the failure it raises."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class CheckSpec:
    id: str
    function: str
    test: Callable
    weight: float = 1.0
    hidden: bool = False
    hint: str | None = None

    @property
    def seed(self) -> int:
        return zlib.crc32(self.id.encode())


def check(check_id: str, *, weight: float = 1.0, hidden: bool = False, hint: str | None = None):
    """Mark a test function as a graded check. ``check_id`` is ``<function>.<name>``."""
    function, dot, name = check_id.partition(".")
    if not dot or not function.isidentifier() or not name:
        raise ValueError(f"check id {check_id!r} must look like 'function.name'")

    def mark(test: Callable) -> Callable:
        test.__rnncourse_check__ = CheckSpec(check_id, function, test, weight, hidden, hint)
        return test

    return mark


class CheckFailed(AssertionError):
    def __init__(self, message: str, misconception: str | None = None,
                 hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.misconception = misconception
        self.hint = hint
