"""The exact set of files that a published or locally installed model repo holds."""

from __future__ import annotations

import json
from pathlib import Path

from synapt_hf.hub.cards import render_model_card, validate_card
from synapt_hf.hub.catalog import CatalogEntry
from synapt_hf.hub.model_folder import check_entry_matches_folder, files_to_publish


def repo_files(
    model_dir: Path,
    entry: CatalogEntry,
    template: str | Path | None = None,
    dataset_hub_ids: dict[str, str] | None = None,
) -> dict[str, Path | bytes]:
    """`{path_in_repo: local file or bytes}`: the folder's files, the model card and the transfer results.

    `dataset_hub_ids`: Hub ids of the transfer datasets (see `synapt_hf.hub.dataset_ids`).
    """
    check_entry_matches_folder(entry, model_dir)
    card = render_model_card(entry, template, dataset_hub_ids)
    validate_card(card, entry, dataset_hub_ids)
    files: dict[str, Path | bytes] = {
        relative.as_posix(): model_dir / relative for relative in files_to_publish(model_dir)
    }
    files["README.md"] = card.encode("utf-8")
    if entry.results:
        summary = [result.to_dict() for result in entry.results]
        files["transfer_results.json"] = (json.dumps(summary, indent=2, sort_keys=True) + "\n").encode(
            "utf-8"
        )
    return files
