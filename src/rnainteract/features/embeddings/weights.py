"""Model weight files: gathered from their sources into one local model directory (no torch)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)


class WeightsError(FileNotFoundError):
    """Model weights are missing or unreadable (names the path and what was expected)."""


def gather_weights(files: dict[str, str | os.PathLike], out_dir: str | os.PathLike) -> Path:
    """Rule ``prepare_weights``: make ``out_dir`` hold each weight file under its official name
    (symlinks to the resolved sources; a checkpoint of GBs is not copied).

    Args:
        files: official file name (``config.json``, ``model.safetensors``, ``vocab.txt``, or a
            fair-esm ``esm2_t6_8M_UR50D.pt`` and its ``-contact-regression.pt``) → local path.

    Raises:
        WeightsError: a file is missing.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name, path in sorted(files.items()):
        source = Path(path).resolve()
        if not source.is_file():
            raise WeightsError(f"weight file {name}: {path} does not exist")
        link = out / name
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(source)
        log.info("%s -> %s", link, source)
    return out
