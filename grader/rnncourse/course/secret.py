"""The course secret, and each student's key for the hidden checks' seeds.

A hidden check draws random cases. In class grading (`rnncourse grade`, the
Gradescope autograder) its seed is HMAC-SHA256(student key, check id), with
the student key HMAC-SHA256(course secret, student id) (checking/engine.py,
_seed). So the same files always get the same score, a student cannot
predict their cases without the secret, and two students get different ones.

The secret is 32 random bytes, kept as hex in ``grading-secret.key`` in the
course folder: created on first use, read by the judges, packed into the
Gradescope autograder, never put into the student edition (its audit refuses
a folder that holds it). Replacing it changes every hidden case of every
student, as a course change does (orchestrator.course_hash).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

from rnncourse.course.manifest import Course
from rnncourse.errors import CourseError

FILE = "grading-secret.key"
_BYTES = 32


def path(course: Course) -> Path:
    return course.root / FILE


def read(course: Course) -> bytes | None:
    """The course secret, or None when the course has none yet. Raises
    CourseError for a file that is not a secret written here."""
    try:
        text = path(course).read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise CourseError(f"{path(course)}: cannot be read ({error})") from None
    try:
        secret = bytes.fromhex(text)
    except ValueError:
        secret = b""
    if len(secret) != _BYTES:
        raise CourseError(f"{path(course)}: not a course secret ({_BYTES * 2} hex digits); "
                          "restore it from your backup, or delete it to make a new one "
                          "(every hidden case changes)")
    return secret


def ensure(course: Course) -> tuple[bytes, bool]:
    """The course secret, made now if there is none: (secret, whether it was made).
    Two processes making it at once agree on one (the file is linked into place,
    never overwritten)."""
    found = read(course)
    if found is not None:
        return found, False
    target = path(course)
    temporary = target.with_name(f".{FILE}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as file:
            file.write(os.urandom(_BYTES).hex() + "\n")
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(temporary, target)
            made = True
        except FileExistsError:
            made = False
    except OSError as error:
        raise CourseError(f"{target}: the course secret cannot be written "
                          f"({error.strerror or error})") from None
    finally:
        temporary.unlink(missing_ok=True)
    secret = read(course)
    assert secret is not None  # linked just now, or by whoever won
    return secret, made


def created_message(course: Course) -> str:
    return (f"Created the course secret {path(course)}: hidden checks draw each student's "
            "cases from it, so that a regrade gives the same score. Keep it with the course "
            "(back it up); without it, hidden cases change. It never goes into the student "
            "edition.")


def student_key(secret: bytes, student_id: str) -> bytes:
    """The key of one student's hidden seeds."""
    return hmac.new(secret, b"student\0" + student_id.encode("utf-8", "surrogatepass"),
                    hashlib.sha256).digest()


def fingerprint(secret: bytes | None) -> str:
    """Which secret, without telling it (for course hashes)."""
    if secret is None:
        return "none"
    return hashlib.sha256(b"rnncourse secret\0" + secret).hexdigest()[:16]
