"""Load a catalog checkpoint as `(model, processor)`, like timm's `create_model(pretrained=True)` and
open_clip's `create_model_and_transforms`.

The model comes from `AutoModelForVideoClassification.from_pretrained` and the processor from
`AutoImageProcessor.from_pretrained`, both given the same source: the entry's model folder when it is on this
disk, else its Hub id (the local Hugging Face cache first; with `HF_HUB_OFFLINE=1`, only the cache).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from synapt_hf.errors import SynaptError


def _source(entry) -> tuple[str, dict[str, Any]]:
    if entry.model_dir is not None and (entry.model_dir / "config.json").is_file():
        return str(entry.model_dir), {}
    if entry.status == "planned" and entry.cached is None:
        raise SynaptError(
            f"{entry.repo_id} is planned (not trained yet): build it with "
            f"`synapt catalog build {entry.name} --local`, then load it"
        )
    from synapt_hf.hub.hf_cache import hub_cache_dir

    return entry.repo_id, {"cache_dir": str(hub_cache_dir())}


def load_entry(entry, revision: str | None = None, **model_kwargs) -> tuple[Any, Any]:
    """`(model, processor)` of a `CatalogEntry`; `model_kwargs` go to `from_pretrained` of the model."""
    from transformers import AutoImageProcessor, AutoModelForVideoClassification

    source, options = _source(entry)
    if revision is not None:
        options["revision"] = revision
    try:
        model = AutoModelForVideoClassification.from_pretrained(source, **options, **model_kwargs)
        processor = AutoImageProcessor.from_pretrained(source, **options)
    except OSError as exc:
        raise SynaptError(f"{entry.repo_id}: cannot load the checkpoint from {source} ({exc})") from None
    return model, processor


def load_pretrained(
    name: str, catalog: str | Path | None = None, revision: str | None = None, **model_kwargs
) -> tuple[Any, Any]:
    """`(model, processor)` for a catalog entry (`ORG/NAME` or `NAME`), a model folder, or any Hub id.

    The catalog (see `synapt_hf.hub.catalog.catalog_path`) resolves short names and model folders; a Hub id
    that is not in it, or any id when no catalog is available, is loaded directly by transformers.
    """
    from synapt_hf.hub.catalog import CatalogEntry, PretrainData, load_catalog

    path = Path(name).expanduser()
    if path.is_dir():
        entry = CatalogEntry(path.name, "videomae", "", 0, 0, PretrainData(""), "supervised", model_dir=path)
        return load_entry(entry, revision=revision, **model_kwargs)
    try:
        found = load_catalog(catalog).entry(name)
    except SynaptError:
        if catalog is not None or "/" not in name:
            raise
        found = CatalogEntry(name, "videomae", "", 0, 0, PretrainData(""), "supervised", status="published")
    return load_entry(found, revision=revision, **model_kwargs)
