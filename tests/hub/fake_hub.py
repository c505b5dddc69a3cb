"""A loopback HTTP server speaking the part of the Hugging Face Hub API that `huggingface_hub` uses to publish.

Covers: create repo, branches, validate-yaml, preupload, LFS batch + basic PUT upload, NDJSON commit (add and
delete, `parentCommit` checked), repo info at a branch or commit, tree listing, paths-info, file download
(`resolve`, GET/HEAD, byte ranges), model listing (`filter`, `cardData`) and collections: enough for
`HfApi`, `DatasetDict.push_to_hub` and `datasets.load_dataset(repo_id)`. The real clients talk to it unchanged
(`HfApi(endpoint=hub.url)`, or HF_ENDPOINT); only the server is local. Model and dataset repos alike.

Start it with `FakeHub(token=...)` as a context manager; inspect `hub.repos`, `hub.requests`, `hub.lfs_uploads`,
`hub.commits`; make the next N requests fail with `hub.fail_next(n, status=503)`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

import yaml

LFS_SUFFIXES = (
    ".safetensors",
    ".bin",
    ".pt",
    ".pth",
    ".onnx",
    ".msgpack",
    ".h5",
    ".parquet",
    ".arrow",
    ".gif",
    ".png",
)
OPEN_PATHS = ("/lfs-upload/", "/api/validate-yaml")  # answered without a token
REPO = r"(?P<kind>models|datasets|spaces)/(?P<repo>[^/]+/[^/]+)"


def now_iso() -> str:
    """The Hub's timestamp format (`...T12:00:00.000Z`)."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def git_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass
class Branch:
    sha: str
    files: dict[str, bytes] = field(default_factory=dict)
    lfs: set[str] = field(default_factory=set)


@dataclass
class Repo:
    repo_id: str
    kind: str
    private: bool
    branches: dict[str, Branch]
    snapshots: dict[str, Branch] = field(default_factory=dict)  # commit sha -> the files at that commit

    def snapshot(self, branch: Branch) -> None:
        """Record `branch` as it is now under its commit sha (readable later as a revision)."""
        self.snapshots[branch.sha] = Branch(branch.sha, dict(branch.files), set(branch.lfs))

    def card_data(self) -> dict | None:
        readme = self.branches["main"].files.get("README.md")
        if readme is None:
            return None
        text = readme.decode("utf-8")
        match = re.match(r"^---\n(.*?)\n---\n", text, re.S)
        return yaml.safe_load(match.group(1)) if match else None


@dataclass
class Request:
    method: str
    path: str
    status: int
    body_size: int
    authorization: str | None


class FakeHub:
    """Threaded loopback Hub; `url` is its endpoint."""

    def __init__(self, token: str = "hf_fake_token") -> None:
        self.token = token
        self.repos: dict[str, Repo] = {}
        self.lfs_store: dict[str, bytes] = {}
        self.lfs_uploads: list[str] = []
        self.commits: list[dict] = []
        self.requests: list[Request] = []
        self.collections: dict[str, dict] = {}
        self._failures: list[int] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeHub:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fail_next(self, count: int, status: int = 503) -> None:
        with self.lock:
            self._failures.extend([status] * count)

    def take_failure(self) -> int | None:
        with self.lock:
            return self._failures.pop(0) if self._failures else None

    def files(self, repo_id: str, branch: str = "main") -> dict[str, bytes]:
        """The files of a branch as clients would download them (LFS content resolved)."""
        return dict(self.repos[repo_id].branches[branch].files)

    # --- state changes, called with the lock held ----------------------------------------------------------

    def new_sha(self, seed: str) -> str:
        return hashlib.sha1(f"{seed}{uuid.uuid4()}".encode()).hexdigest()

    def collection_json(self, slug: str) -> dict:
        data = self.collections[slug]
        return {**data, "items": [dict(item) for item in data["items"]]}


def _handler_for(hub: FakeHub):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # keep test output clean
            pass

        # --- plumbing --------------------------------------------------------------------------------------

        def _body(self) -> bytes:
            if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                chunks = []
                while True:
                    size = int(self.rfile.readline().strip().split(b";")[0], 16)
                    if size == 0:
                        self.rfile.readline()
                        return b"".join(chunks)
                    chunks.append(self.rfile.read(size))
                    self.rfile.readline()
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _send(self, status: int, payload: object = None, headers: dict | None = None) -> None:
            body = b"" if payload is None else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            self._status = status

        def _error(self, status: int, message: str, code: str | None = None) -> None:
            headers = {"X-Error-Message": message, **({"X-Error-Code": code} if code else {})}
            self._send(status, {"error": message}, headers)

        def _authorized(self) -> bool:
            return self.headers.get("Authorization") == f"Bearer {hub.token}"

        def _dispatch(self, method: str) -> None:
            url = urlsplit(self.path)
            path, query = unquote(url.path), parse_qs(url.query)
            body = self._body() if method in ("POST", "PUT", "PATCH") else b""
            self._range = self.headers.get("Range")
            self._status = 0
            try:
                failure = hub.take_failure()
                if failure is not None:
                    self._error(failure, "injected failure")
                elif (
                    method not in ("GET", "HEAD")
                    and not path.startswith(OPEN_PATHS)
                    and not self._authorized()
                ):
                    # LFS uploads go to pre-signed storage URLs on the real Hub: no Authorization header;
                    # `RepoCard.validate` sends none either
                    self._error(401, "Invalid credentials in Authorization header")
                else:
                    self._route(method, path, query, body)
            finally:
                with hub.lock:
                    hub.requests.append(
                        Request(method, path, self._status, len(body), self.headers.get("Authorization"))
                    )

        def do_GET(self) -> None:
            self._dispatch("GET")

        def do_POST(self) -> None:
            self._dispatch("POST")

        def do_PUT(self) -> None:
            self._dispatch("PUT")

        def do_PATCH(self) -> None:
            self._dispatch("PATCH")

        def do_HEAD(self) -> None:
            self._dispatch("HEAD")

        # --- routes ----------------------------------------------------------------------------------------

        def _route(self, method: str, path: str, query: dict, body: bytes) -> None:
            routes = [
                ("POST", r"/api/repos/create", self.create_repo),
                ("POST", r"/api/validate-yaml", self.validate_yaml),
                ("POST", rf"/api/{REPO}/branch/(?P<branch>.+)", self.create_branch),
                ("POST", rf"/api/{REPO}/preupload/(?P<rev>.+)", self.preupload),
                ("POST", rf"/api/{REPO}/commit/(?P<rev>.+)", self.commit),
                (
                    "POST",
                    r"/(?:datasets/|spaces/)?(?P<repo>[^/]+/[^/]+)\.git/info/lfs/objects/batch",
                    self.lfs_batch,
                ),
                ("PUT", r"/lfs-upload/(?P<oid>[0-9a-f]{64})", self.lfs_put),
                ("GET", r"/api/models", self.list_models),
                ("GET", rf"/api/{REPO}/tree/(?P<rev>[^/]+)(?:/(?P<path>.*))?", self.tree),
                ("POST", rf"/api/{REPO}/paths-info/(?P<rev>.+)", self.paths_info),
                (
                    "GET",
                    r"/(?:(?P<kind>datasets|spaces)/)?(?P<repo>[^/]+/[^/]+)/resolve/(?P<rev>[^/]+)/(?P<path>.+)",
                    self.resolve,
                ),
                (
                    "HEAD",
                    r"/(?:(?P<kind>datasets|spaces)/)?(?P<repo>[^/]+/[^/]+)/resolve/(?P<rev>[^/]+)/(?P<path>.+)",
                    self.resolve,
                ),
                ("GET", rf"/api/{REPO}(?:/revision/(?P<rev>.+))?", self.repo_info),
                ("GET", r"/api/collections", self.list_collections),
                ("POST", r"/api/collections", self.create_collection),
                ("GET", r"/api/collections/(?P<slug>[^/]+/[^/]+)", self.get_collection),
                ("POST", r"/api/collections/(?P<slug>[^/]+/[^/]+)/items", self.add_item),
                ("PATCH", r"/api/collections/(?P<slug>[^/]+/[^/]+)/items/(?P<item>[^/]+)", self.update_item),
            ]
            for route_method, pattern, handler in routes:
                match = re.fullmatch(pattern, path)
                if route_method == method and match:
                    with hub.lock:
                        handler(match.groupdict(), query, body)
                    return
            self._error(404, f"no route for {method} {path}")

        def _repo(self, params: dict) -> Repo | None:
            repo = hub.repos.get(params["repo"])
            if repo is None:
                self._error(404, "Repository not found", "RepoNotFound")
            return repo

        def _branch(self, params: dict) -> tuple[Repo, Branch] | None:
            """The repo and its revision (`rev`: a branch or a commit sha, default main); answers 404 and returns
            None when either is unknown."""
            repo = self._repo(params)
            if repo is None:
                return None
            revision = params.get("rev") or "main"
            branch = repo.branches.get(revision) or repo.snapshots.get(revision)
            if branch is None:
                self._error(404, "Revision not found", "RevisionNotFound")
                return None
            return repo, branch

        def create_repo(self, params, query, body) -> None:
            payload = json.loads(body)
            repo_id = f"{payload['organization']}/{payload['name']}" if payload.get("organization") else None
            if repo_id is None:
                self._error(400, "organization required in this fake")
                return
            kind = (payload.get("type") or "model") + "s"
            url = f"{hub.url}/{'' if kind == 'models' else kind + '/'}{repo_id}"
            if repo_id in hub.repos:
                self._send(409, {"error": "You already created this repo", "url": url})
                return
            private = payload.get("visibility") == "private" or bool(payload.get("private"))
            hub.repos[repo_id] = Repo(repo_id, kind, private, {"main": Branch(sha=hub.new_sha(repo_id))})
            hub.repos[repo_id].snapshot(hub.repos[repo_id].branches["main"])
            self._send(200, {"url": url, "name": repo_id})

        def validate_yaml(self, params, query, body) -> None:
            content = json.loads(body)["content"]
            match = re.match(r"^---\n(.*?)\n---\n", content, re.S)
            try:
                yaml.safe_load(match.group(1) if match else "")
            except yaml.YAMLError as exc:
                self._send(400, {"errors": [{"message": str(exc)}]})
                return
            self._send(200, {"warnings": []})

        def create_branch(self, params, query, body) -> None:
            repo = self._repo(params)
            if repo is None:
                return
            if params["branch"] in repo.branches:
                self._error(409, "Reference already exists")
                return
            main = repo.branches["main"]
            repo.branches[params["branch"]] = Branch(main.sha, dict(main.files), set(main.lfs))
            self._send(200, {})

        def preupload(self, params, query, body) -> None:
            found = self._branch(params)
            if found is None:
                return
            _, branch = found
            answers = []
            for item in json.loads(body)["files"]:
                mode = (
                    "lfs" if item["path"].endswith(LFS_SUFFIXES) or item["size"] > 10_000_000 else "regular"
                )
                oid = None
                if item["path"] in branch.files:
                    data = branch.files[item["path"]]
                    oid = hashlib.sha256(data).hexdigest() if item["path"] in branch.lfs else git_sha1(data)
                answers.append({"path": item["path"], "uploadMode": mode, "shouldIgnore": False, "oid": oid})
            self._send(200, {"files": answers, "commitOid": branch.sha})

        def lfs_batch(self, params, query, body) -> None:
            if params["repo"] not in hub.repos:
                self._error(404, "Repository not found")
                return
            payload = json.loads(body)
            objects = []
            for obj in payload["objects"]:
                answer = {"oid": obj["oid"], "size": obj["size"], "authenticated": True}
                if obj["oid"] not in hub.lfs_store:
                    answer["actions"] = {
                        "upload": {"href": f"{hub.url}/lfs-upload/{obj['oid']}", "header": {}}
                    }
                objects.append(answer)
            self._send(200, {"transfer": "basic", "objects": objects})

        def lfs_put(self, params, query, body) -> None:
            if hashlib.sha256(body).hexdigest() != params["oid"]:
                self._error(400, "sha256 mismatch")
                return
            hub.lfs_store[params["oid"]] = body
            hub.lfs_uploads.append(params["oid"])
            self._send(200, {})

        def commit(self, params, query, body) -> None:
            found = self._branch(params)
            if found is None:
                return
            repo, branch = found
            lines = [json.loads(line) for line in body.decode().splitlines() if line.strip()]
            header, changes = lines[0], lines[1:]
            parent = header["value"].get("parentCommit")
            if parent and parent != branch.sha:
                self._error(412, f"parent commit {parent} is not the head {branch.sha}")
                return
            staged: list[tuple[str, bytes, bool]] = []
            deleted: list[str] = []
            for change in changes:
                value = change["value"]
                if change["key"] in ("deletedFile", "deletedFolder"):
                    folder = value["path"].rstrip("/") + "/"
                    gone = [p for p in branch.files if p == value["path"] or p.startswith(folder)]
                    if not gone:
                        self._error(404, f"{value['path']} does not exist", "EntryNotFound")
                        return
                    deleted.extend(gone)
                elif change["key"] == "file":
                    staged.append((value["path"], base64.b64decode(value["content"]), False))
                elif change["key"] == "lfsFile":
                    if value["oid"] not in hub.lfs_store:
                        self._error(422, f"LFS object {value['oid']} of {value['path']} was never uploaded")
                        return
                    staged.append((value["path"], hub.lfs_store[value["oid"]], True))
                else:
                    self._error(400, f"unsupported commit operation {change['key']}")
                    return
            for path in deleted:
                branch.files.pop(path, None)
                branch.lfs.discard(path)
            for path, data, is_lfs in staged:
                branch.files[path] = data
                (branch.lfs.add if is_lfs else branch.lfs.discard)(path)
            branch.sha = hub.new_sha(branch.sha)
            repo.snapshot(branch)
            hub.commits.append(
                {
                    "repo_id": repo.repo_id,
                    "revision": params["rev"],
                    "summary": header["value"]["summary"],
                    "paths": [path for path, _, _ in staged],
                    "deleted": deleted,
                    "sha": branch.sha,
                }
            )
            self._send(
                200,
                {
                    "commitUrl": f"{hub.url}/{repo.repo_id}/commit/{branch.sha}",
                    "commitOid": branch.sha,
                    "pullRequestUrl": None,
                },
            )

        def _model_json(self, repo: Repo, branch: Branch, card: bool) -> dict:
            data = repo.card_data() or {}
            info = {
                "id": repo.repo_id,
                "_id": hashlib.md5(repo.repo_id.encode()).hexdigest()[:24],
                "author": repo.repo_id.split("/")[0],
                "sha": branch.sha,
                "private": repo.private,
                "tags": list(data.get("tags") or []),
                "pipeline_tag": data.get("pipeline_tag"),
                "library_name": data.get("library_name"),
                "siblings": [{"rfilename": name} for name in sorted(branch.files)],
                "lastModified": now_iso(),
            }
            if card and data:
                info["cardData"] = data
            return info

        def _entry(self, branch: Branch, path: str) -> dict:
            """The tree / paths-info JSON of one file or folder."""
            if path not in branch.files:
                return {"type": "directory", "oid": git_sha1(path.encode()), "size": 0, "path": path}
            data = branch.files[path]
            entry = {"type": "file", "oid": git_sha1(data), "size": len(data), "path": path}
            if path in branch.lfs:
                entry["lfs"] = {
                    "oid": hashlib.sha256(data).hexdigest(),
                    "size": len(data),
                    "pointerSize": 134,
                }
            return entry

        def tree(self, params, query, body) -> None:
            found = self._branch(params)
            if found is None:
                return
            _, branch = found
            folder = (params.get("path") or "").strip("/")
            prefix = folder + "/" if folder else ""
            if folder and not any(name.startswith(prefix) for name in branch.files):
                self._error(404, f"{folder} does not exist", "EntryNotFound")
                return
            recursive = query.get("recursive", ["false"])[0].lower() == "true"
            entries: dict[str, dict] = {}
            for name in sorted(branch.files):
                if not name.startswith(prefix):
                    continue
                parts = name[len(prefix) :].split("/")
                for depth in range(1, len(parts) + 1 if recursive else 2):
                    path = prefix + "/".join(parts[:depth])
                    entries.setdefault(path, self._entry(branch, path))
            self._send(200, list(entries.values()))

        def paths_info(self, params, query, body) -> None:
            found = self._branch(params)
            if found is None:
                return
            _, branch = found
            form = parse_qs(body.decode())
            wanted = form.get("paths", [])
            folders = {name.rsplit("/", 1)[0] for name in branch.files if "/" in name}
            folders |= {"/".join(f.split("/")[:i]) for f in folders for i in range(1, f.count("/") + 1)}
            self._send(200, [self._entry(branch, p) for p in wanted if p in branch.files or p in folders])

        def resolve(self, params, query, body) -> None:
            found = self._branch(params)
            if found is None:
                return
            _, branch = found
            data = branch.files.get(params["path"])
            if data is None:
                self._error(404, f"{params['path']} does not exist", "EntryNotFound")
                return
            etag = hashlib.sha256(data).hexdigest() if params["path"] in branch.lfs else git_sha1(data)
            headers = {"X-Repo-Commit": branch.sha, "ETag": f'"{etag}"', "Accept-Ranges": "bytes"}
            status, payload = 200, data
            match = re.fullmatch(r"bytes=(\d*)-(\d*)", self._range or "")
            if match and data:
                start = int(match.group(1) or 0)
                stop = min(len(data) - 1, int(match.group(2))) if match.group(2) else len(data) - 1
                status, payload = 206, data[start : stop + 1]
                headers["Content-Range"] = f"bytes {start}-{stop}/{len(data)}"
            self.send_response(status)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(payload)))
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)
            self._status = status

        def repo_info(self, params, query, body) -> None:
            found = self._branch(params)
            if found is None:
                return
            repo, branch = found
            self._send(200, self._model_json(repo, branch, card=True))

        def list_models(self, params, query, body) -> None:
            wanted = set(query.get("filter", []))
            card = query.get("cardData", ["false"])[0].lower() == "true"
            found = []
            for repo in hub.repos.values():
                info = self._model_json(repo, repo.branches["main"], card)
                if repo.kind == "models" and not repo.private and wanted <= set(info["tags"]):
                    found.append(info)
            self._send(200, found)

        def list_collections(self, params, query, body) -> None:
            owner = query.get("owner", [None])[0]
            found = [  # the client numbers listed collections itself
                {key: value for key, value in hub.collection_json(slug).items() if key != "position"}
                for slug, data in hub.collections.items()
                if owner is None or data["owner"]["name"] == owner
            ]
            self._send(200, found)

        def create_collection(self, params, query, body) -> None:
            payload = json.loads(body)
            for slug, data in hub.collections.items():
                if data["title"] == payload["title"] and data["owner"]["name"] == payload["namespace"]:
                    self._send(409, {"error": "Collection already exists", "slug": slug})
                    return
            words = re.sub(r"[^a-z0-9]+", "-", payload["title"].lower()).strip("-")
            slug = f"{payload['namespace']}/{words}-{uuid.uuid4().hex[:24]}"
            hub.collections[slug] = {
                "slug": slug,
                "title": payload["title"],
                "description": payload.get("description"),
                "owner": {"name": payload["namespace"], "type": "org"},
                "items": [],
                "lastUpdated": now_iso(),
                "position": len(hub.collections),
                "private": bool(payload.get("private")),
                "theme": "default",
                "upvotes": 0,
            }
            self._send(200, hub.collection_json(slug))

        def get_collection(self, params, query, body) -> None:
            if params["slug"] not in hub.collections:
                self._error(404, "Collection not found")
                return
            self._send(200, hub.collection_json(params["slug"]))

        def add_item(self, params, query, body) -> None:
            collection = hub.collections.get(params["slug"])
            if collection is None:
                self._error(404, "Collection not found")
                return
            payload = json.loads(body)
            item = payload["item"]
            if any(old["id"] == item["id"] and old["type"] == item["type"] for old in collection["items"]):
                self._error(409, "Item already in collection")
                return
            note = payload.get("note")
            collection["items"].append(
                {
                    "_id": uuid.uuid4().hex[:24],
                    "id": item["id"],
                    "type": item["type"],
                    "position": len(collection["items"]),
                    "note": {"text": note, "html": note} if note else None,
                }
            )
            self._send(200, hub.collection_json(params["slug"]))

        def update_item(self, params, query, body) -> None:
            collection = hub.collections.get(params["slug"])
            item = next(
                (old for old in (collection or {}).get("items", []) if old["_id"] == params["item"]), None
            )
            if item is None:
                self._error(404, "Item not found")
                return
            payload = json.loads(body)
            if "note" in payload:
                item["note"] = {"text": payload["note"], "html": payload["note"]}
            self._send(200, {"success": True})

    return Handler
