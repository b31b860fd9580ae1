"""Which release of the student edition a submission's files came from.

A student edition's stubs name their release in their first line
(course/stubs.py); a student who edits the file keeps it. Grading records the
releases found in a submission's exercise files with its result, and the
report warns about students whose files came from an older release than the
course's current one (course/stamp.py), or from another build of it.
"""

from __future__ import annotations

from rnncourse.course import stamp as stamps
from rnncourse.course.manifest import Course
from rnncourse.course.stubs import release_of
from rnncourse.grading.gradebook import Grading

KEY = "releases"  # in the stored result JSON: the stamps found, sorted
MAX_NAMED = 20


def found_in(course: Course, files: list[tuple[str, bytes]]) -> list[str]:
    """The release stamps in the exercise files among ``files`` (name, bytes)."""
    names = {exercise.file for exercise in course.exercises}
    found = set()
    for name, data in files:
        if name.rsplit("/", 1)[-1] in names:
            stamp = release_of(data[:300].decode("utf-8", "replace"))
            if stamp and stamps.is_stamp(stamp):
                found.add(stamp)
    return sorted(found)


def notes(current: dict[str, Grading], students: set[str], course_stamp: str) -> list[str]:
    """The report's warnings about students whose files came from another release."""
    older, other = [], []
    now = stamps.version_of(course_stamp)
    for student_id in sorted(students):
        grading = current.get(student_id)
        found = (grading.result or {}).get(KEY, []) if grading is not None else []
        stale = [stamp for stamp in found if stamp != course_stamp]
        if not stale:
            continue
        label = f"{student_id} ({', '.join(stale)})"
        if any(stamps.version_of(stamp) < now for stamp in stale):
            older.append(label)
        else:
            other.append(label)
    found = []
    if older:
        found.append(f"{len(older)} student(s) handed in files from an older release than the "
                     f"current one ({course_stamp}): {_named(older)}")
    if other:
        found.append(f"{len(other)} student(s) handed in files from another release than the "
                     f"current one ({course_stamp}; the course changed since it was "
                     f"released): {_named(other)}")
    return found


def _named(labels: list[str]) -> str:
    return ", ".join(labels[:MAX_NAMED]) + (" …" if len(labels) > MAX_NAMED else "")
