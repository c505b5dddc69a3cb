"""Where the local Hugging Face hub cache is, and whether a model repo is installed there."""

from __future__ import annotations

import os
from pathlib import Path


def hub_cache_dir(cache_dir: str | Path | None = None) -> Path:
    """The hub cache, read from the environment at call time (`HF_HUB_CACHE`, then `HF_HOME/hub`)."""
    if cache_dir:
        return Path(cache_dir)
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"])
    if os.environ.get("HF_HOME"):
        return Path(os.environ["HF_HOME"]) / "hub"
    from huggingface_hub import constants

    return Path(constants.HF_HUB_CACHE)


def cached_snapshot(repo_id: str, revision: str = "main", cache_dir: str | Path | None = None) -> Path | None:
    """The snapshot folder of `repo_id` at `revision` in the hub cache when it holds a `config.json`, else None."""
    repo_dir = hub_cache_dir(cache_dir) / ("models--" + repo_id.replace("/", "--"))
    ref = repo_dir / "refs" / revision
    if not ref.is_file():
        return None
    snapshot = repo_dir / "snapshots" / ref.read_text(encoding="utf-8").strip()
    return snapshot if (snapshot / "config.json").is_file() else None
