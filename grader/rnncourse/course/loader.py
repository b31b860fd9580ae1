"""Load exercise files as plain modules, by path (never installed as packages)."""

from __future__ import annotations

import importlib.util
import sys
import threading
from pathlib import Path
from types import ModuleType

from rnncourse.errors import CourseError


def load_module(path: Path, name: str) -> ModuleType:
    """Import the file at ``path`` as a module called ``name`` (trusted code only:
    student files are imported in their own process, see worker.py)."""
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise CourseError(f"{path}: cannot be loaded as a Python module")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except FileNotFoundError:
        raise CourseError(f"{path}: file not found") from None
    except SyntaxError as error:
        raise CourseError(f"{path}: line {error.lineno}: {error.msg}") from None
    sys.modules.setdefault(name, module)
    return module


_references: dict[Path, ModuleType] = {}
_references_lock = threading.Lock()


def reference_module(solutions_dir: Path, file: str) -> ModuleType:
    """The solution module for an exercise file, loaded once per process."""
    path = (solutions_dir / file).resolve()
    with _references_lock:
        if path not in _references:
            _references[path] = load_module(path, f"rnncourse_solution_{path.stem}")
        return _references[path]
