"""Write a file so that readers see the old content or the new, never half of it.

Imports only the standard library's cheapest modules: `rnncourse check` uses it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path


def write_text(path: Path, text: str, durable: bool = True) -> None:
    """Write ``text`` to a new temporary file beside ``path`` (a unique name, so
    concurrent writers never share one), flush it to disk, then rename it over
    ``path`` (os.replace is atomic on POSIX). If anything interrupts us, Ctrl-C
    included, the temporary file is removed and ``path`` is untouched.

    ``durable=False`` skips waiting for the disk (fsync): the file is still
    whole or absent to every reader, but a power cut may lose it. For files
    that are rebuilt from elsewhere anyway, hundreds at a time."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)

    def write(temporary: Path) -> None:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as file:
            file.write(text)
            file.flush()
            if durable:
                os.fsync(file.fileno())

    replace_with(path, write)


def replace_with(path: Path, write: Callable[[Path], None]) -> None:
    """Let ``write`` create a temporary file beside ``path``, then rename it over
    ``path``; if ``write`` fails or is interrupted, the temporary file is removed
    and ``path`` is untouched."""
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    try:
        write(temporary)
        os.replace(temporary, path)
    except BaseException:
        try:
            temporary.unlink()
        except OSError:
            pass
        raise
