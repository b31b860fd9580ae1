"""The one scoring rule: what a check is worth.

A check is worth its weight's share of its exercise's points among *all* the
exercise's checks, hidden ones included. So a check is worth the same in a
student's own `rnncourse check` (public checks only) and in grading, and the
public maximum is the public share of the exercise's points. A student edition
holds no hidden checks, only their weights (edition.hidden_weights).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rnncourse import edition
from rnncourse.checking.spec import CheckSpec, collect
from rnncourse.course.manifest import Exercise


@dataclass(frozen=True)
class Scoring:
    points: float  # the exercise's points (course.toml)
    total_weight: float  # of all its checks, hidden ones included

    def check(self, spec: CheckSpec) -> float:
        """The points of one check."""
        return self.points * spec.weight / self.total_weight

    def checks(self, specs: Iterable[CheckSpec]) -> float:
        """The points of some checks together."""
        return self.points * sum(spec.weight for spec in specs) / self.total_weight


def scoring(exercise: Exercise) -> Scoring:
    hidden = edition.hidden_weights(exercise.id)  # none in the full course: collected
    return Scoring(exercise.points,
                   sum(spec.weight for spec in collect(exercise)) + sum(hidden.values()))


def function_points(exercise: Exercise) -> dict[str, float]:
    """Each function's points: the sum of its checks' (hidden ones included)."""
    rule = scoring(exercise)
    points = dict.fromkeys(exercise.functions, 0.0)
    for spec in collect(exercise):
        points[spec.function] += rule.check(spec)
    for function, weight in edition.hidden_weights(exercise.id).items():
        points[function] += rule.points * weight / rule.total_weight
    return points
