"""Logging into a rule's log file."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


@contextlib.contextmanager
def log_to(path: str | os.PathLike | None, level: int = logging.INFO) -> Iterator[logging.Logger]:
    """Send all ``logging`` records (root logger) to ``path`` for the duration of the block.

    Exceptions raised inside the block are logged with their traceback before being re-raised, so
    the rule's log file says why a job failed.
    """
    root = logging.getLogger()
    handler: logging.Handler
    handler = logging.FileHandler(path, mode="w") if path else logging.StreamHandler()
    handler.setFormatter(logging.Formatter(FORMAT))
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(level)
    try:
        yield logging.getLogger("rnainteract")
    except Exception:
        logging.getLogger("rnainteract").exception("job failed")
        raise
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        handler.close()
