"""Repo ids of the form `org/name`, checked before any network or disk work."""

from __future__ import annotations

from synapt_hf.errors import SynaptError


def validate_repo_id(repo_id: object, where: str = "repo id") -> str:
    """Return `repo_id` if it is a valid Hub id `org/name`; otherwise raise `SynaptError` naming `where`."""
    from huggingface_hub.errors import HFValidationError
    from huggingface_hub.utils import validate_repo_id as hub_validate

    if not isinstance(repo_id, str) or repo_id.count("/") != 1 or not all(repo_id.split("/")):
        raise SynaptError(f"{where}: {repo_id!r} is not a Hub repo id of the form 'org/name'")
    try:
        hub_validate(repo_id)
    except HFValidationError as exc:
        raise SynaptError(f"{where}: {repo_id!r} is not a valid Hub repo id ({exc})") from None
    return repo_id
