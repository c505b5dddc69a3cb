"""Progress bars of the commands: tqdm on stderr, shown only when stderr is a terminal and not asked to be quiet.

Redirected output (logs, CI, pipes) therefore never holds bar frames; the commands' INFO log lines carry the
progress there.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any

from tqdm.auto import tqdm


def progress_bar(
    iterable: Iterable[Any] | None = None,
    *,
    total: int | None = None,
    desc: str | None = None,
    unit: str = "it",
    quiet: bool = False,
    **options: Any,
) -> tqdm:
    """A tqdm bar written to the current `sys.stderr`: disabled when `quiet` or when stderr is not a TTY."""
    return tqdm(
        iterable,
        total=total,
        desc=desc,
        unit=unit,
        file=sys.stderr,
        disable=True if quiet else None,  # None: tqdm disables itself on a non-TTY stream
        dynamic_ncols=True,
        **options,
    )


def silence_library_bars() -> None:
    """Turn off the bars of `datasets`, `transformers` and `huggingface_hub` in this process (a quiet command
    prints no bar at all, not only its own)."""
    import datasets
    import huggingface_hub.utils
    import transformers

    datasets.disable_progress_bars()
    transformers.utils.logging.disable_progress_bar()
    huggingface_hub.utils.disable_progress_bars()
