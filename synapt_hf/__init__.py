"""synapt-hf: pretrain video action-recognition models on synthetic data with the Hugging Face stack."""

__version__ = "0.1.0"


def list_pretrained(**filters):
    """Catalog entries of synthetic-pretrained checkpoints (see `synapt_hf.hub.catalog`)."""
    from synapt_hf.hub.catalog import list_pretrained as _list_pretrained

    return _list_pretrained(**filters)


__all__ = ["__version__", "list_pretrained"]
