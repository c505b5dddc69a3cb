"""Install a model folder into the local Hugging Face cache in the standard layout.

`models--ORG--NAME/{blobs/<hash>, snapshots/<commit>/<file> -> ../../blobs/<hash>, refs/<revision>}`, so that
`from_pretrained("ORG/NAME")` and `pipeline(..., model="ORG/NAME")` work with `HF_HUB_OFFLINE=1`.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from synapt_hf.errors import SynaptError
from synapt_hf.hub.catalog import CatalogEntry
from synapt_hf.hub.hf_cache import hub_cache_dir
from synapt_hf.hub.model_folder import check_model_dir
from synapt_hf.hub.repo_files import repo_files
from synapt_hf.hub.repo_ids import validate_repo_id
from synapt_hf.io import write_bytes_atomic

LFS_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".onnx", ".msgpack", ".h5", ".gif", ".png")
LFS_MIN_SIZE = 10 * 1024 * 1024


def _content(source: Path | bytes) -> bytes:
    return source if isinstance(source, bytes) else source.read_bytes()


def blob_id(path_in_repo: str, data: bytes) -> str:
    """What the Hub uses as the blob name: sha256 for LFS files, the git blob sha1 for regular ones."""
    from huggingface_hub.utils.sha import git_hash

    if path_in_repo.endswith(LFS_SUFFIXES) or len(data) >= LFS_MIN_SIZE:
        return hashlib.sha256(data).hexdigest()
    return git_hash(data)


def install_local(
    model_dir: str | Path,
    entry: CatalogEntry,
    *,
    revision: str = "main",
    cache_dir: str | Path | None = None,
    template: str | Path | None = None,
    dataset_hub_ids: dict[str, str] | None = None,
) -> Path:
    """Place the model (with its card) in the hub cache under `entry.repo_id`; return the snapshot folder."""
    repo_id = validate_repo_id(entry.repo_id)
    model_dir = check_model_dir(model_dir, f"model folder of {repo_id}")
    if not revision or revision.startswith("/") or ".." in revision:
        raise SynaptError(f"revision {revision!r} is not a valid branch name")
    files = {
        path: _content(source)
        for path, source in repo_files(model_dir, entry, template, dataset_hub_ids).items()
    }
    blobs = {path: blob_id(path, data) for path, data in files.items()}
    manifest = "".join(f"{path}\0{blobs[path]}\n" for path in sorted(files)).encode()
    commit = hashlib.sha1(manifest).hexdigest()

    repo_dir = hub_cache_dir(cache_dir) / ("models--" + repo_id.replace("/", "--"))
    (repo_dir / "blobs").mkdir(parents=True, exist_ok=True)
    for path, data in files.items():
        blob = repo_dir / "blobs" / blobs[path]
        if not blob.exists():
            write_bytes_atomic(blob, data)

    snapshot = repo_dir / "snapshots" / commit
    if not snapshot.is_dir():
        staging = repo_dir / "snapshots" / f".{commit}.tmp-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        for path in files:
            link = staging / path
            link.parent.mkdir(parents=True, exist_ok=True)
            target = repo_dir / "blobs" / blobs[path]
            try:
                link.symlink_to(os.path.relpath(target, link.parent))
            except OSError:  # file systems without symlinks: copy, as huggingface_hub does
                shutil.copyfile(target, link)
        os.replace(staging, snapshot)
    ref = repo_dir / "refs" / revision
    ref.parent.mkdir(parents=True, exist_ok=True)
    write_bytes_atomic(ref, commit.encode())
    return snapshot
