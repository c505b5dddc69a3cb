"""`synapt publish --local`: the real hub cache layout; offline from_pretrained and pipeline in a clean process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from synapt_hf.cli import main

HERE = Path(__file__).resolve().parent
WEIZMANN = HERE.parents[1] / ".." / "shared" / "data" / "weizmann"

OFFLINE_CHECK = """
import json, sys
from transformers import AutoModelForVideoClassification, pipeline
model = AutoModelForVideoClassification.from_pretrained("synapt-test/offline-videomae")
classifier = pipeline("video-classification", model="synapt-test/offline-videomae")
print(json.dumps({"labels": model.config.num_labels, "pred": classifier(sys.argv[1], top_k=3)}))
"""


def _clip(tmp_path: Path) -> Path:
    clips = sorted(WEIZMANN.glob("*/*.avi")) if WEIZMANN.is_dir() else []
    if clips:
        return clips[0]
    import av
    import numpy as np

    path = tmp_path / "clip.mp4"  # a tiny real H.264 file when the shared data is absent
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for index in range(12):
            frame = np.full((48, 64, 3), index * 20, dtype=np.uint8)
            container.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")))
        container.mux(stream.encode())
    return path


def test_local_install_layout_and_offline_loading(tiny_model_dir, tmp_path, capsys, monkeypatch):
    hf_home = tmp_path / "hf-home"
    monkeypatch.setenv("HF_HOME", str(hf_home))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    code = main(["publish", str(tiny_model_dir), "--repo-id", "synapt-test/offline-videomae", "--local"])
    assert code == 0 and "installed synapt-test/offline-videomae" in capsys.readouterr().out

    repo = hf_home / "hub" / "models--synapt-test--offline-videomae"
    commit = (repo / "refs" / "main").read_text()
    snapshot = repo / "snapshots" / commit
    weights = snapshot / "model.safetensors"
    assert weights.is_symlink() and weights.resolve().parent == (repo / "blobs").resolve()
    assert weights.read_bytes() == (tiny_model_dir / "model.safetensors").read_bytes()
    assert {p.name for p in snapshot.iterdir()} >= {"config.json", "preprocessor_config.json", "README.md"}
    assert not [p for p in repo.rglob("*") if ".tmp-" in p.name]

    # installing again is a no-op: same commit, same blobs
    blobs = sorted(p.name for p in (repo / "blobs").iterdir())
    main(
        [
            "publish",
            str(tiny_model_dir),
            "--repo-id",
            "synapt-test/offline-videomae",
            "--local",
            "--cache-dir",
            str(hf_home / "hub"),
        ]
    )
    assert (repo / "refs" / "main").read_text() == commit
    assert sorted(p.name for p in (repo / "blobs").iterdir()) == blobs

    env = {key: value for key, value in os.environ.items() if not key.startswith(("HF_", "HUGGINGFACE"))}
    env.update(
        HF_HOME=str(hf_home), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", HF_ENDPOINT="http://127.0.0.1:9"
    )
    done = subprocess.run(
        [sys.executable, "-c", OFFLINE_CHECK, str(_clip(tmp_path))],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["labels"] == 10 and len(result["pred"]) == 3
    assert {item["label"] for item in result["pred"]} <= {
        "bend",
        "jack",
        "jump",
        "pjump",
        "run",
        "side",
        "skip",
        "walk",
        "wave1",
        "wave2",
    }
    assert sum(item["score"] for item in result["pred"]) <= 1.0 + 1e-6


def test_local_install_rejects_bad_input(tmp_path, tiny_model_dir, capsys):
    assert main(["publish", str(tmp_path), "--repo-id", "org/name", "--local"]) == 2
    assert "has no config.json" in capsys.readouterr().err
    assert main(["publish", str(tiny_model_dir), "--repo-id", "org/", "--local"]) == 2
    assert "not a Hub repo id" in capsys.readouterr().err
    assert not list(tmp_path.rglob("models--*"))


@pytest.mark.parametrize("bad", ["../escape", "/abs"])
def test_local_install_rejects_bad_revision(tiny_model_dir, tmp_path, bad, capsys):
    code = main(
        [
            "publish",
            str(tiny_model_dir),
            "--repo-id",
            "org/name",
            "--local",
            "--revision",
            bad,
            "--cache-dir",
            str(tmp_path),
        ]
    )
    assert code == 2 and "not a valid branch name" in capsys.readouterr().err


def test_publish_catalog_local_installs_every_entry(catalog_file, tmp_path, capsys):
    cache = tmp_path / "cache"
    assert main(["publish-catalog", str(catalog_file), "--local", "--cache-dir", str(cache)]) == 0
    installed = sorted(path.name for path in cache.iterdir())
    assert installed == ["models--synapt-test--timesformer-tiny", "models--synapt-test--videomae-tiny"]
    commit = (cache / "models--synapt-test--videomae-tiny" / "refs" / "main").read_text()
    card = (cache / "models--synapt-test--videomae-tiny" / "snapshots" / commit / "README.md").read_text()
    assert "| UCF101 | finetune | 75.00 |" in card
