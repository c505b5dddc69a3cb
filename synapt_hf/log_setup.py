"""Logging of the command-line entry points: synapt's own messages at INFO, everything else at WARNING.

The root logger stays at WARNING, so libraries that log each request at INFO (httpx's ``HTTP Request:``
lines under ``huggingface_hub``, for instance) stay quiet; the ``synapt_hf`` loggers are set to INFO, so the
project's progress messages show. Messages go to stderr as bare text. Library code never calls this: only
`synapt` (``synapt_hf.cli.main``) and the training scripts do.
"""

from __future__ import annotations

import logging

PACKAGE_LOGGER = "synapt_hf"


def configure_logging(level: int = logging.INFO) -> None:
    """Root at WARNING with one stderr handler (added only if the root has none), `synapt_hf.*` at `level`."""
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler()  # sys.stderr
        handler.setFormatter(logging.Formatter("%(message)s"))
        root.addHandler(handler)
    root.setLevel(logging.WARNING)
    logging.getLogger(PACKAGE_LOGGER).setLevel(level)
