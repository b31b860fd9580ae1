"""What a check is: the @check decorator, its spec, and the failure it raises."""

from __future__ import annotations

import importlib
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from rnncourse.course.manifest import Exercise
from rnncourse.errors import CourseError


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


def collect(exercise: Exercise, include_hidden: bool = True) -> list[CheckSpec]:
    """The checks of an exercise, in the order its check module defines them."""
    try:
        module = importlib.import_module(f"rnncourse.checks.{exercise.id}")
    except ModuleNotFoundError as error:
        if error.name != f"rnncourse.checks.{exercise.id}":
            raise
        raise CourseError(f"exercise '{exercise.id}' has no check module "
                          f"rnncourse.checks.{exercise.id}") from None
    specs = [value.__rnncourse_check__ for value in vars(module).values()
             if hasattr(value, "__rnncourse_check__")]
    for spec in specs:
        if spec.function not in exercise.functions:
            raise CourseError(f"check '{spec.id}' tests '{spec.function}', which is not in "
                              f"the functions of exercise '{exercise.id}' in course.toml")
    return [spec for spec in specs if include_hidden or not spec.hidden]
