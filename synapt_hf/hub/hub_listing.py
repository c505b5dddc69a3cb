"""Browse the catalog on the Hub: models tagged `synapt`, read back from their card metadata."""

from __future__ import annotations

import logging
import os

from synapt_hf.hub.cards import entry_from_card_data
from synapt_hf.hub.catalog import CatalogEntry
from synapt_hf.hub.retry import RetryPolicy, with_retries

log = logging.getLogger(__name__)
CATALOG_TAG = "synapt"


def hub_endpoint(endpoint: str | None = None) -> str:
    from huggingface_hub import constants

    return (endpoint or os.environ.get("HF_ENDPOINT") or constants.ENDPOINT).rstrip("/")


def hub_reachable(endpoint: str | None = None, timeout: float = 3.0) -> bool:
    """One quick request (no retries); False when offline mode is on or the Hub cannot be reached."""
    from huggingface_hub import constants
    from huggingface_hub.utils import get_session

    if constants.HF_HUB_OFFLINE or os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes", "on"):
        return False
    try:
        response = get_session().get(
            f"{hub_endpoint(endpoint)}/api/models", params={"limit": 1}, timeout=timeout
        )
    except Exception as exc:  # any transport failure means "browse the local catalog instead"
        log.debug("Hub not reachable: %s", exc)
        return False
    return response.status_code < 500


def list_hub_entries(
    endpoint: str | None = None, author: str | None = None, retry: RetryPolicy | None = None
) -> list[CatalogEntry]:
    """Every public model on the Hub tagged `synapt`, as catalog entries (results from the cards' model-index)."""
    from huggingface_hub import HfApi

    api = HfApi(endpoint=hub_endpoint(endpoint))

    def fetch():
        return list(api.list_models(filter=CATALOG_TAG, author=author, cardData=True))

    entries = []
    for info in with_retries(fetch, "list catalog models on the Hub", retry or RetryPolicy(attempts=2)):
        card = info.card_data
        data = card.to_dict() if card is not None else {}
        entries.append(entry_from_card_data(info.id, data, card.eval_results if card is not None else None))
    return entries
