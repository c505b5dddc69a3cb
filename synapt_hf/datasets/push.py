"""Upload a built dataset to the Hub: parquet shards (video bytes embedded) plus the dataset card, one commit.

The shards are written locally as ``data/<split>-<i>-of-<n>.parquet`` (the layout `push_to_hub` uses), the
card lists exactly those files in its ``configs``, and everything is uploaded in a single commit, so a
reader never sees new shards with an old card (or the reverse). The endpoint is ``$HF_ENDPOINT`` when set.
"""

from __future__ import annotations

import logging
import math
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from synapt_hf.hub.publish import resolve_token
from synapt_hf.hub.repo_ids import validate_repo_id
from synapt_hf.hub.retry import with_retries

log = logging.getLogger(__name__)

DEFAULT_MAX_SHARD_BYTES = 500 * 1024 * 1024

CardRenderer = Callable[[dict[str, list[str]]], str]  # data files per split -> README.md text


def check_repo_id(repo_id: str) -> None:
    """Raise SynaptError unless `repo_id` has the form ``org/name`` that the Hub accepts."""
    validate_repo_id(repo_id, "--push-to-hub")


def hub_token() -> str:
    """The Hub token (``HF_TOKEN`` or the one saved by ``hf auth login``); SynaptError when there is none."""
    return resolve_token()


def check_push_target(repo_id: str) -> None:
    """Validate the repository id and that a token exists, before any build work."""
    check_repo_id(repo_id)
    hub_token()


def write_parquet_shards(
    dataset_dict, folder: Path, max_shard_bytes: int = DEFAULT_MAX_SHARD_BYTES
) -> dict[str, list[str]]:
    """Write every split as ``data/<split>-<i>-of-<n>.parquet`` under `folder`; return the paths per split."""
    files: dict[str, list[str]] = {}
    for split, dataset in dataset_dict.items():
        num_shards = max(1, math.ceil(dataset.data.nbytes / max_shard_bytes)) if len(dataset) else 1
        num_shards = min(num_shards, max(1, len(dataset)))
        files[split] = []
        for index in range(num_shards):
            relative = f"data/{split}-{index:05d}-of-{num_shards:05d}.parquet"
            (folder / relative).parent.mkdir(parents=True, exist_ok=True)
            dataset.shard(num_shards, index, contiguous=True).to_parquet(str(folder / relative))
            files[split].append(relative)
    return files


def push_dataset(
    saved_dir: str | Path,
    repo_id: str,
    render_card: CardRenderer,
    private: bool = False,
    max_shard_bytes: int = DEFAULT_MAX_SHARD_BYTES,
) -> str:
    """Upload the `save_to_disk` folder `saved_dir` to dataset repo `repo_id` as parquet + README.md.

    Returns the repository id. Network and permission failures become SynaptError naming the repository.
    """
    import datasets
    from huggingface_hub import HfApi

    check_repo_id(repo_id)
    token = hub_token()
    dataset_dict = datasets.load_from_disk(str(saved_dir))
    if isinstance(dataset_dict, datasets.Dataset):
        dataset_dict = datasets.DatasetDict({"train": dataset_dict})
    api = HfApi(endpoint=os.environ.get("HF_ENDPOINT") or None, token=token)
    with tempfile.TemporaryDirectory(prefix="synapt-push-") as staging:
        folder = Path(staging)
        data_files = write_parquet_shards(dataset_dict, folder, max_shard_bytes)
        (folder / "README.md").write_text(render_card(data_files), encoding="utf-8")
        message = f"Upload {', '.join(f'{s} ({len(d)} clips)' for s, d in dataset_dict.items())}"
        with_retries(
            lambda: api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True),
            f"--push-to-hub {repo_id}: create repo",
        )
        with_retries(
            lambda: api.upload_folder(
                folder_path=staging, repo_id=repo_id, repo_type="dataset", commit_message=message
            ),
            f"--push-to-hub {repo_id}: upload",
        )
    log.info("pushed %s to the Hub dataset repository %s", saved_dir, repo_id)
    return repo_id
