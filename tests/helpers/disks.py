"""Small filesystems for tests of a full disk: a tmpfs mounted for the test
(root only; the test is skipped with the reason otherwise)."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


@contextlib.contextmanager
def small_filesystem(folder: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` (mount's notation: "1m") mounted on ``folder``."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small filesystem needs root")
    folder.mkdir(parents=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=1777", "tmpfs",
                              str(folder)], capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def free_bytes(folder: Path) -> int:
    stats = os.statvfs(folder)
    return stats.f_bavail * stats.f_frsize


def fill(folder: Path, leave: int = 0) -> Path:
    """A file in ``folder`` that takes all its free space but ``leave`` bytes."""
    path = folder / "filler"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
    try:
        chunk = b"f" * 65536
        while chunk:
            try:
                while free_bytes(folder) - len(chunk) >= leave:
                    os.write(fd, chunk)
            except OSError:
                pass
            chunk = chunk[: len(chunk) // 2]
    finally:
        os.close(fd)
    return path
