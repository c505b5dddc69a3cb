"""Upload a saved dataset to a Hub dataset repository: `DatasetDict.push_to_hub`, then the card via `DatasetCard`.

The one path every ``--push-to-hub`` takes (``synapt build-dataset``, ``synapt generate``, ``synapt motions
import``):

1. the repository is created (``private`` applies to a new repository only);
2. `datasets.DatasetDict.push_to_hub` writes every split as parquet shards ``data/<split>-<i>-of-<n>.parquet``
   with the encoded files embedded, plus a README.md holding what `datasets` maintains: ``configs`` (the data
   files of each split) and ``dataset_info`` (the features, ``ClassLabel`` names included, and split sizes).
   A ``video`` column is declared ``Video()`` there, so `datasets.load_dataset` users get torchcodec decoders
   where torchcodec is installed; `synapt_hf.data.format.load_video_dataset` reads it back as
   ``Video(decode=False)`` and decodes with PyAV;
3. the caller's card replaces that README.md in a second commit (`huggingface_hub.DatasetCard.push_to_hub`
   with the data commit as parent), keeping ``configs`` and ``dataset_info`` from the README.md of step 2.

A re-push replaces the shards of the pushed splits (`push_to_hub` deletes the old ones in its commit). The
endpoint is ``$HF_ENDPOINT`` when set (read by `datasets` and `huggingface_hub` at import). Network and
permission failures become SynaptError naming the repository and the step.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from pathlib import Path

from synapt_hf.hub.publish import resolve_token
from synapt_hf.hub.repo_ids import validate_repo_id
from synapt_hf.hub.retry import with_retries

log = logging.getLogger(__name__)

CardRenderer = Callable[[dict[str, list[str]]], str]  # data file patterns per split -> README.md text
HUB_MAINTAINED_KEYS = ("configs", "dataset_info")  # card metadata taken from what push_to_hub wrote
DATA_DIR = "data"  # where push_to_hub puts the shards of the default config


def check_push_target(repo_id: str) -> None:
    """Validate the repository id and that a token exists, before any build work."""
    validate_repo_id(repo_id, "--push-to-hub")
    resolve_token()


def hub_features(dataset_dict):
    """`dataset_dict` with every ``Video`` column declared ``Video()`` (decoding on), as pushed to the Hub.

    Only the declared feature changes: the stored ``{bytes, path}`` cells stay the same.
    """
    import datasets

    features = next(iter(dataset_dict.values())).features
    for name, feature in features.items():
        if isinstance(feature, datasets.Video) and not feature.decode:
            dataset_dict = dataset_dict.cast_column(name, datasets.Video())  # metadata only, no data rewrite
    return dataset_dict


def data_file_patterns(split_names) -> dict[str, list[str]]:
    """The data files of each split as `push_to_hub` lists them in ``configs``: ``data/<split>-*``."""
    return {split: [f"{DATA_DIR}/{split}-*"] for split in split_names}


class _OneShardNotice(logging.Filter):
    """Drops the warning `push_to_hub` logs for every one-shard split ("Setting num_proc from 1 back to 1")."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Setting num_proc from")


def merge_card(text: str, pushed_readme: str):
    """The `DatasetCard` of `text`, with ``configs`` and ``dataset_info`` taken from `pushed_readme`."""
    from huggingface_hub import DatasetCard

    card, pushed = DatasetCard(text), DatasetCard(pushed_readme)
    for key in HUB_MAINTAINED_KEYS:
        value = pushed.data.get(key)
        if value is not None:
            card.data[key] = value
    return card


def push_dataset(
    saved_dir: str | Path,
    repo_id: str,
    render_card: CardRenderer,
    private: bool = False,
    *,
    max_shard_size: int | str | None = None,
    num_proc: int | None = None,
    create_pr: bool = False,
) -> str:
    """Upload the `save_to_disk` folder `saved_dir` to dataset repo `repo_id`, then its card.

    `render_card` receives the data file patterns of each split and returns the README.md text (its
    ``configs``/``dataset_info`` are replaced by those `push_to_hub` wrote). `max_shard_size` (default
    500MB), `num_proc` and `create_pr` are passed to `DatasetDict.push_to_hub`; with `create_pr` the card
    goes to the same pull request. Returns the repository id.
    """
    import datasets
    from huggingface_hub import HfApi

    validate_repo_id(repo_id, "--push-to-hub")
    token = resolve_token()
    dataset_dict = datasets.load_from_disk(str(saved_dir))
    if isinstance(dataset_dict, datasets.Dataset):
        dataset_dict = datasets.DatasetDict({"train": dataset_dict})
    dataset_dict = hub_features(dataset_dict)
    api = HfApi(endpoint=datasets.config.HF_ENDPOINT, token=token)
    message = f"Upload {', '.join(f'{s} ({len(d)} rows)' for s, d in dataset_dict.items())}"
    with_retries(
        lambda: api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True),
        f"--push-to-hub {repo_id}: create repo",
    )
    notice, datasets_log = _OneShardNotice(), logging.getLogger("datasets.arrow_dataset")
    datasets_log.addFilter(notice)
    try:
        commit = with_retries(
            lambda: dataset_dict.push_to_hub(
                repo_id,
                commit_message=message,
                token=token,
                create_pr=create_pr,
                max_shard_size=max_shard_size,
                num_proc=num_proc if num_proc and num_proc > 1 else None,
            ),
            f"--push-to-hub {repo_id}: upload",
        )
    finally:
        datasets_log.removeFilter(notice)
    revision = commit.pr_revision if create_pr else commit.oid
    with tempfile.TemporaryDirectory(prefix="synapt-push-") as staging:
        readme = with_retries(
            lambda: api.hf_hub_download(
                repo_id, "README.md", repo_type="dataset", revision=revision, local_dir=staging
            ),
            f"--push-to-hub {repo_id}: read the pushed card",
        )
        card = merge_card(render_card(data_file_patterns(dataset_dict)), Path(readme).read_text("utf-8"))
    with_retries(
        lambda: card.push_to_hub(
            repo_id,
            token=token,
            repo_type="dataset",
            commit_message="Upload the dataset card",
            revision=commit.pr_revision if create_pr else None,
            parent_commit=None if create_pr else commit.oid,
        ),
        f"--push-to-hub {repo_id}: upload the card",
    )
    log.info("pushed %s to the Hub dataset repository %s", saved_dir, repo_id)
    return repo_id
