"""Publish models to the Hugging Face Hub: create the repo, upload folder + card, keep the collection in sync."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path

from synapt_hf.errors import SynaptError
from synapt_hf.hub.catalog import Catalog, CatalogEntry
from synapt_hf.hub.model_folder import check_model_dir
from synapt_hf.hub.repo_files import repo_files
from synapt_hf.hub.repo_ids import validate_repo_id
from synapt_hf.hub.retry import RetryPolicy, with_retries

log = logging.getLogger(__name__)


@dataclass
class PublishReport:
    repo_id: str
    revision: str
    commit: str | None
    uploaded: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def resolve_token(token: str | None = None) -> str:
    """The token from the argument, `HF_TOKEN` or the saved `hf auth login` token; a clear error when none."""
    from huggingface_hub import get_token

    token = token or get_token()
    if not token:
        raise SynaptError(
            "no Hugging Face token found: run `hf auth login` or set HF_TOKEN (nothing was uploaded)"
        )
    return token


def _operations(files: dict[str, Path | bytes]) -> list:
    from huggingface_hub import CommitOperationAdd

    return [
        CommitOperationAdd(
            path_in_repo=path, path_or_fileobj=source if isinstance(source, bytes) else str(source)
        )
        for path, source in sorted(files.items())
    ]


def _content(source: Path | bytes) -> bytes:
    return source if isinstance(source, bytes) else Path(source).read_bytes()


def same_as_remote(data: bytes, remote) -> bool:
    """Whether `data` is the content of the Hub file `remote` (a `RepoFile` from `get_paths_info`): its LFS
    sha256, or for a regular file its git blob id."""
    if remote.lfs is not None:
        return remote.lfs.sha256 == hashlib.sha256(data).hexdigest()
    return remote.blob_id == hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def unchanged_files(api, repo_id: str, branch: str, files: dict[str, Path | bytes]) -> set[str]:
    """The paths of `files` whose content the branch already holds."""
    from huggingface_hub import RepoFile

    remote = {
        info.path: info
        for info in api.get_paths_info(repo_id, sorted(files), revision=branch)
        if isinstance(info, RepoFile)
    }
    return {
        path
        for path, source in files.items()
        if path in remote and same_as_remote(_content(source), remote[path])
    }


def publish_model(
    model_dir: str | Path,
    entry: CatalogEntry,
    *,
    private: bool = False,
    revision: str | None = None,
    endpoint: str | None = None,
    token: str | None = None,
    retry: RetryPolicy | None = None,
    template: str | Path | None = None,
    dataset_hub_ids: dict[str, str] | None = None,
) -> PublishReport:
    """Upload `model_dir` with its card to `entry.repo_id`; files already on the Hub unchanged are not re-sent."""
    from huggingface_hub import HfApi

    repo_id = validate_repo_id(entry.repo_id)
    model_dir = check_model_dir(model_dir, f"model folder of {repo_id}")
    files = repo_files(model_dir, entry, template, dataset_hub_ids)
    api = HfApi(endpoint=endpoint, token=resolve_token(token))
    with_retries(
        lambda: api.create_repo(repo_id, private=private, exist_ok=True), f"create repo {repo_id}", retry
    )
    branch = revision or "main"
    if branch != "main":
        with_retries(
            lambda: api.create_branch(repo_id, branch=branch, exist_ok=True), f"create branch {branch}", retry
        )
    same = with_retries(
        lambda: unchanged_files(api, repo_id, branch, files), f"compare with {repo_id}", retry
    )
    changed = {path: source for path, source in files.items() if path not in same}
    info = None
    if changed:
        info = with_retries(
            lambda: api.create_commit(  # fresh operations each try: they cannot be reused after a failure
                repo_id,
                operations=_operations(changed),
                commit_message=f"Publish {repo_id} with synapt-hf",
                revision=branch,
            ),
            f"upload to {repo_id}",
            retry,
        )
    uploaded, unchanged = sorted(changed), sorted(same)
    log.info("%s@%s: %d file(s) uploaded, %d unchanged", repo_id, branch, len(uploaded), len(unchanged))
    return PublishReport(
        repo_id=repo_id,
        revision=branch,
        commit=info.oid if info is not None else None,
        uploaded=uploaded,
        unchanged=unchanged,
    )


def default_note(entry: CatalogEntry) -> str:
    """A short collection note: architecture, data, mode and the best-known transfer number."""
    note = entry.note or f"{entry.architecture}-{entry.size}, {entry.pretrain.key}, {entry.mode}"
    if not entry.note and entry.results:
        best = max(entry.results, key=lambda result: result.top1)
        note += f"; {best.dataset_name} {best.protocol} top-1 {best.top1 * 100:.1f}%"
    return note[:500]


def sync_collection(
    catalog: Catalog,
    *,
    endpoint: str | None = None,
    token: str | None = None,
    retry: RetryPolicy | None = None,
):
    """Create or update the catalog's collection so it holds every model and dataset with its note."""
    from huggingface_hub import HfApi

    spec = catalog.collection
    if spec is None:
        raise SynaptError(f"{catalog.path}: no 'collection' section (title, namespace) to publish")
    api = HfApi(endpoint=endpoint, token=resolve_token(token))

    def find_or_create():
        for found in api.list_collections(owner=spec.namespace, limit=100):
            if found.title == spec.title:
                return api.get_collection(found.slug)
        return api.create_collection(
            spec.title,
            namespace=spec.namespace,
            description=spec.description,
            private=spec.private,
            exists_ok=True,
        )

    collection = with_retries(find_or_create, f"collection {spec.title!r}", retry)
    present = {(item.item_type, item.item_id): item for item in collection.items}
    wanted = [("model", entry.repo_id, default_note(entry)) for entry in publishable_entries(catalog)]
    wanted += [("dataset", dataset.repo_id, dataset.note or None) for dataset in catalog.datasets]
    for item_type, item_id, note in wanted:
        item = present.get((item_type, item_id))
        if item is None:
            with_retries(
                lambda t=item_type, i=item_id, n=note: api.add_collection_item(
                    collection.slug, i, t, note=n, exists_ok=True
                ),
                f"add {item_id} to collection",
                retry,
            )
        elif note and item.note != note:
            with_retries(
                lambda o=item.item_object_id, n=note: api.update_collection_item(collection.slug, o, note=n),
                f"update note of {item_id} in collection",
                retry,
            )
    return with_retries(lambda: api.get_collection(collection.slug), "read collection back", retry)


def publishable_entries(catalog: Catalog) -> list[CatalogEntry]:
    """The entries that can be published: every one except `planned` (not trained yet), each skip logged."""
    chosen = []
    for entry in catalog.models:
        if entry.status == "planned":
            log.debug("skipping %s: status planned (not trained yet), nothing to publish", entry.repo_id)
        else:
            chosen.append(entry)
    return chosen


def check_catalog_folders(catalog: Catalog) -> None:
    """Every publishable entry must point at a model folder with config and weights, checked before any upload."""
    for entry in catalog.models:
        if entry.status == "planned":
            continue
        if entry.model_dir is None:
            raise SynaptError(
                f"{catalog.path.name}: entry {entry.repo_id}: missing required field 'model_dir'"
            )
        check_model_dir(entry.model_dir, f"{catalog.path.name}: entry {entry.repo_id}")


def publish_catalog(
    catalog: Catalog,
    *,
    endpoint: str | None = None,
    token: str | None = None,
    retry: RetryPolicy | None = None,
    collection: bool = True,
    dataset_hub_ids: dict[str, str] | None = None,
) -> list[PublishReport]:
    """Publish every catalog model except `planned` ones (skipped, logged), then update the collection."""
    check_catalog_folders(catalog)
    entries = publishable_entries(catalog)
    for entry in entries:  # every card renders and round-trips before the first upload
        repo_files(entry.model_dir, entry, dataset_hub_ids=dataset_hub_ids)
    token = resolve_token(token)
    reports = [
        publish_model(
            entry.model_dir,
            entry,
            endpoint=endpoint,
            token=token,
            retry=retry,
            dataset_hub_ids=dataset_hub_ids,
        )
        for entry in entries
    ]
    if collection and catalog.collection is not None:
        sync_collection(catalog, endpoint=endpoint, token=token, retry=retry)
    return reports
