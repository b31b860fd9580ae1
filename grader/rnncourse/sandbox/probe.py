"""What strict isolation holds on this machine, probed once per run from a
student process started for the purpose, and said in one line."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from rnncourse.sandbox.process import StudentError, StudentProcess


def probe_isolation() -> dict:
    """What strict isolation holds on this machine, from a student process
    started for the purpose (its ``report``)."""
    with tempfile.TemporaryDirectory(prefix="rnncourse-probe-") as folder:
        os.chmod(folder, 0o711)
        probe = Path(folder) / "probe.py"
        probe.write_text("def probe():\n    return 1.0\n", encoding="utf-8")
        with StudentProcess(probe, workdir=Path(folder), isolation="strict") as process:
            try:
                process.start(timeout=30)
            except StudentError as error:
                return {"error": str(error)}
            return dict(process.report)


def describe_isolation(report: dict) -> tuple[str, bool]:
    """One line saying what strict isolation held, and whether it is complete."""
    if "error" in report:
        return f"Isolation: could not be probed ({report['error']}).", False
    held, missing = [], []
    abi = report.get("landlock_abi")
    if abi:
        held.append(f"Landlock ABI {abi}: files limited to each copy, read-only")
        (held if report.get("network") else missing).append("no TCP")
        (held if report.get("signals") else missing).append("no signals out of the sandbox")
    else:
        reason = report.get("landlock", "no Landlock")
        missing.append(f"file, network and signal restrictions ({reason})")
    (held if report.get("seccomp") else missing).append(
        "seccomp: native system calls only, no new processes, namespaces or sockets, no SysV "
        "IPC or memfd")
    if report.get("capabilities-dropped"):
        held.append("root capabilities dropped")
    line = "Isolation of student code: " + "; ".join(held or ["process boundary only"]) + "."
    if missing:
        line += " MISSING: " + "; ".join(missing) + " (see docs/isolation.md)."
    return line, not missing
