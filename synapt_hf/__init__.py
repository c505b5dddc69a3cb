"""synapt-hf: pretrain video action-recognition models on synthetic data with the Hugging Face stack."""

from pathlib import Path

__version__ = "0.1.0"

# Card templates and the catalog spec: the repo's `model_cards/`, shipped inside the package through the
# `synapt_hf/model_cards` link so that wheel installs carry them too.
MODEL_CARDS_DIR = Path(__file__).resolve().parent / "model_cards"


def list_pretrained(**filters):
    """Catalog entries of synthetic-pretrained checkpoints (see `synapt_hf.hub.catalog`)."""
    from synapt_hf.hub.catalog import list_pretrained as _list_pretrained

    return _list_pretrained(**filters)


__all__ = ["__version__", "list_pretrained"]
