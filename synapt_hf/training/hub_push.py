"""``--push-to-hub``: check the target before training, publish the finished model folder after it.

Publishing is `synapt publish`'s: `synapt_hf.hub.publish.publish_model` uploads the folder's files (no trainer
state) with the model card rendered from the folder's own `config.json` and `training_args.json`
(`synapt_hf.hub.model_folder.entry_from_model_dir`), in one commit; files already on the Hub unchanged are not
re-sent. The endpoint is ``$HF_ENDPOINT`` when set. The hub modules are imported inside the functions: they
read `synapt_hf.training.checkpoints`, and nothing in the training package imports them at import time.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from synapt_hf.training.config import TrainConfig


def check_push_target(config: TrainConfig) -> None:
    """With ``--push-to-hub``: a valid ``--hub-model-id`` and a Hub token, else `SynaptError` (no network)."""
    if not config.push_to_hub:
        return
    from synapt_hf.hub.publish import resolve_token
    from synapt_hf.hub.repo_ids import validate_repo_id

    validate_repo_id(config.hub_model_id, "--hub-model-id")
    resolve_token()


def push_model_folder(output_dir: Path, config: TrainConfig) -> Any:
    """Publish `output_dir` to ``config.hub_model_id`` with its model card; returns the `PublishReport`.
    Call it on the main process only, once the folder is complete."""
    from synapt_hf.hub.model_folder import entry_from_model_dir
    from synapt_hf.hub.publish import publish_model

    entry = entry_from_model_dir(output_dir, str(config.hub_model_id))
    return publish_model(
        output_dir, entry, private=config.hub_private_repo, endpoint=os.environ.get("HF_ENDPOINT")
    )
