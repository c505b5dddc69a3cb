"""synapt-hf: pretrain video action-recognition models on synthetic data with the Hugging Face stack."""

from pathlib import Path

__version__ = "0.1.0"

# Card templates: the repo's `model_cards/`, shipped inside the package through the `synapt_hf/model_cards`
# link so that wheel installs carry them too. The catalog spec is not read through it (see hub/catalog.py).
MODEL_CARDS_DIR = Path(__file__).resolve().parent / "model_cards"


def list_pretrained(**filters):
    """Catalog entries of synthetic-pretrained checkpoints (see `synapt_hf.hub.catalog`)."""
    from synapt_hf.hub.catalog import list_pretrained as _list_pretrained

    return _list_pretrained(**filters)


def load_pretrained(name: str, **kwargs):
    """`(model, processor)` of a catalog checkpoint (see `synapt_hf.hub.loading.load_pretrained`)."""
    from synapt_hf.hub.loading import load_pretrained as _load_pretrained

    return _load_pretrained(name, **kwargs)


__all__ = ["__version__", "list_pretrained", "load_pretrained"]
