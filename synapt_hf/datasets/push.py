"""Upload a built dataset to the Hub: parquet shards (video bytes embedded) plus the dataset card."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from synapt_hf.errors import SynaptError

log = logging.getLogger(__name__)

_REPO_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*$")


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


def push_dataset(saved_dir: str | Path, repo_id: str, card_markdown: str, private: bool = False) -> str:
    """Push the `save_to_disk` folder `saved_dir` as parquet to dataset repo `repo_id`, then its README card.

    Returns the repository id. Network and permission failures become SynaptError naming the repository.
    """
    import datasets
    from huggingface_hub import HfApi

    check_repo_id(repo_id)
    token = hub_token()
    dataset = datasets.load_from_disk(str(saved_dir))
    try:
        dataset.push_to_hub(repo_id, private=private, token=token, embed_external_files=True)
        HfApi(token=token).upload_file(
            path_or_fileobj=card_markdown.encode("utf-8"),
            path_in_repo="README.md",
            repo_id=repo_id,
            repo_type="dataset",
            commit_message="Add dataset card",
        )
    except SynaptError:
        raise
    except Exception as exc:  # requests/httpx/hub errors: report them in one line
        reason = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
        raise SynaptError(f"--push-to-hub {repo_id}: upload failed ({reason})") from exc
    log.info("pushed %s to https://huggingface.co/datasets/%s", saved_dir, repo_id)
    return repo_id
