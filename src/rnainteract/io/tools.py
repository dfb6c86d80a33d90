"""Running external programs (cd-hit-est, MMseqs2, Infernal) with errors that say what failed."""

from __future__ import annotations

import logging
import shutil
import subprocess

log = logging.getLogger(__name__)


class ToolError(RuntimeError):
    """An external program is missing or failed (its command line and stderr are in the message)."""


def run_tool(cmd: list[str]) -> None:
    """Run an external program; :class:`ToolError` if it is missing or exits non-zero."""
    if shutil.which(cmd[0]) is None:
        raise ToolError(f"{cmd[0]} not found on PATH (install.sh installs it; or use --use-conda)")
    log.info("running: %s", " ".join(cmd))
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        output = (proc.stderr.strip() or proc.stdout.strip())[-2000:]  # Infernal errors on stdout
        raise ToolError(f"{' '.join(cmd)} exited with {proc.returncode}:\n{output}")
