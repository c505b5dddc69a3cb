"""Retry Hub calls on transient failures (connection errors, timeouts, 429 and 5xx) with exponential backoff."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from synapt_hf.errors import SynaptError

T = TypeVar("T")
log = logging.getLogger(__name__)
RETRY_STATUS = (408, 429, 500, 502, 503, 504)


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    base_delay: float = 1.0
    max_delay: float = 30.0

    def delay(self, attempt: int) -> float:
        return min(self.max_delay, self.base_delay * 2 ** (attempt - 1))


def _status(exc: BaseException) -> int | None:
    response = getattr(exc, "response", None)
    return getattr(response, "status_code", None)


def _chain(exc: BaseException) -> list[BaseException]:
    chain = [exc]
    while chain[-1].__cause__ is not None and len(chain) < 10:
        chain.append(chain[-1].__cause__)
    return chain


def is_transient(exc: BaseException) -> bool:
    """Connection problems, timeouts and 408/429/5xx answers are worth retrying; other errors are not."""
    from huggingface_hub.errors import OfflineModeIsEnabled
    from huggingface_hub.utils import httpx  # the HTTP client huggingface_hub itself uses (httpx or httpx2)

    for link in _chain(exc):
        if isinstance(link, OfflineModeIsEnabled):
            return False
        if isinstance(link, httpx.TransportError | ConnectionError | TimeoutError):
            return True
        if _status(link) in RETRY_STATUS:
            return True
    return False


def _is_hub_error(exc: BaseException) -> bool:
    from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled

    return any(isinstance(link, HfHubHTTPError | OfflineModeIsEnabled) for link in _chain(exc))


def describe(exc: BaseException) -> str:
    """A one-line reason without request headers (so never the token)."""
    exc = next((link for link in _chain(exc) if _status(link) is not None), exc)
    status = _status(exc)
    first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if status == 401:
        return "the Hub rejected the token (401 Unauthorized); log in again or set HF_TOKEN"
    if status == 403:
        return f"no write access (403 Forbidden): {first_line}"
    return first_line if status is None else f"HTTP {status}: {first_line}"


def with_retries(call: Callable[[], T], what: str, policy: RetryPolicy | None = None) -> T:
    """Run `call`; retry transient failures; raise `SynaptError` naming `what` when it finally fails."""
    policy = policy or RetryPolicy()
    for attempt in range(1, policy.attempts + 1):
        try:
            return call()
        except Exception as exc:
            transient = is_transient(exc)
            if not transient and not _is_hub_error(exc):
                raise
            if not transient or attempt == policy.attempts:
                tries = f" after {attempt} attempts" if attempt > 1 else ""
                raise SynaptError(f"{what} failed{tries}: {describe(exc)}") from None
            wait = policy.delay(attempt)
            log.warning(
                "%s: %s; retrying in %.2fs (attempt %d/%d)",
                what,
                describe(exc),
                wait,
                attempt + 1,
                policy.attempts,
            )
            time.sleep(wait)
    raise AssertionError("unreachable")
