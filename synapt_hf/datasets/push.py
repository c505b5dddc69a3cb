"""Upload a built dataset to the Hub: parquet shards (video bytes embedded) plus the dataset card, one commit.

The shards are written locally as ``data/<split>-<i>-of-<n>.parquet`` (the layout `push_to_hub` uses), the
card lists exactly those files in its ``configs``, and everything is uploaded in a single commit, so a
reader never sees new shards with an old card (or the reverse). The endpoint is ``$HF_ENDPOINT`` when set.
"""

from __future__ import annotations

import logging
import math
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

from synapt_hf.errors import SynaptError

log = logging.getLogger(__name__)

_REPO_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*$")
DEFAULT_MAX_SHARD_BYTES = 500 * 1024 * 1024

CardRenderer = Callable[[dict[str, list[str]]], str]  # data files per split -> README.md text


def check_repo_id(repo_id: str) -> None:
    """Raise SynaptError unless `repo_id` has the form ``org/name`` that the Hub accepts."""
    from huggingface_hub.errors import HFValidationError
    from huggingface_hub.utils import validate_repo_id

    if (
        not _REPO_ID.match(repo_id or "")
        or repo_id.endswith((".", "-"))
        or "--" in repo_id
        or ".." in repo_id
    ):
        raise SynaptError(f"--push-to-hub {repo_id!r}: expected a Hub repository id of the form ORG/NAME")
    try:
        validate_repo_id(repo_id)
    except HFValidationError as exc:
        raise SynaptError(f"--push-to-hub {repo_id!r}: {str(exc).splitlines()[0]}") from exc


def hub_token() -> str:
    """The Hub token (``HF_TOKEN`` or the one saved by ``hf auth login``); SynaptError when there is none."""
    from huggingface_hub import get_token

    token = get_token()
    if not token:
        raise SynaptError(
            "--push-to-hub needs a Hugging Face token: set HF_TOKEN or run `hf auth login` (no token found)"
        )
    return token


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
        try:
            api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
            api.upload_folder(
                folder_path=staging,
                repo_id=repo_id,
                repo_type="dataset",
                commit_message=f"Upload {', '.join(f'{s} ({len(d)} clips)' for s, d in dataset_dict.items())}",
            )
        except Exception as exc:  # httpx / huggingface_hub errors: report them in one line
            reason = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
            raise SynaptError(f"--push-to-hub {repo_id}: upload failed ({reason})") from exc
    log.info("pushed %s to the Hub dataset repository %s", saved_dir, repo_id)
    return repo_id
