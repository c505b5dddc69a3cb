"""`synapt generate --push-to-hub` against the loopback Hub (tests/hub/fake_hub.py, the `fake_hub` fixture of
tests/conftest.py): what arrives, and what `datasets.load_dataset(repo_id)` and `load_video_dataset` read back;
a missing token fails before anything is generated."""

from __future__ import annotations

import fnmatch
from pathlib import Path

import datasets
import pytest
from huggingface_hub import DatasetCard, constants

from synapt_hf.cli import main
from synapt_hf.data.format import load_video_dataset
from synapt_hf.data.video import decode_frames

REPO = "synapt-test/generated-tiny"
CLASSES = ["walking", "clapping"]
GENERATE = ["generate", "--classes", ",".join(CLASSES), "--clips-per-class", "2", "--frames", "4",
            "--size", "32", "--seed", "3", "--no-progress"]  # fmt: skip


@pytest.fixture
def no_saved_token(monkeypatch, tmp_path: Path) -> None:
    """No token anywhere: no HF_TOKEN and no `hf auth login` token file."""
    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(tmp_path / "no-saved-token"))
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_XET", True)
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.delenv("HUGGING_FACE_HUB_TOKEN", raising=False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)


def test_generate_and_push(tmp_path: Path, fake_hub) -> None:
    out = tmp_path / "generated"
    assert main([*GENERATE, "--out", str(out), "--push-to-hub", REPO]) == 0
    files = fake_hub.files(REPO)
    shards = sorted(name for name in files if name.endswith(".parquet"))
    assert shards == ["data/train-00000-of-00001.parquet", "data/validation-00000-of-00001.parquet"]
    commits = [c for c in fake_hub.commits if c["repo_id"] == REPO]
    assert [sorted(c["paths"]) for c in commits] == [["README.md", *shards], ["README.md"]]  # data, then card

    text = files["README.md"].decode("utf-8")
    card = DatasetCard(text)
    assert "synthetic" in card.data.tags and card.data.task_categories == ["video-classification"]
    assert card.data.license == "apache-2.0" and card.data.pretty_name.startswith("synapt-hf synthetic")
    assert "Generated data" in text and "No real people" in text
    settings = card.data.synapt_generator  # the exact generator settings, machine-readable
    assert settings["classes"] == CLASSES and settings["frames"] == 4 and settings["size"] == 32
    assert settings["seed"] == 3 and settings["clips_per_class"] == {"train": 2, "validation": 1}
    data_files = card.data.configs[0]["data_files"]  # written by push_to_hub: one pattern per split
    assert [entry["split"] for entry in data_files] == ["train", "validation"]
    assert all(fnmatch.filter(shards, entry["path"]) == [shards[i]] for i, entry in enumerate(data_files))

    # What a user gets: plain `load_dataset(repo_id)` (HF_ENDPOINT is the loopback Hub), and our loader.
    pushed = datasets.load_dataset(REPO)
    local = datasets.load_from_disk(str(out))
    assert {name: len(split) for name, split in pushed.items()} == {"train": 4, "validation": 2}
    for split in ("train", "validation"):
        rows = pushed[split]
        assert rows.features["label"].names == CLASSES and rows.features["video"] == datasets.Video()
        assert rows["label"] == local[split]["label"] and rows["path"] == local[split]["path"]
        assert [CLASSES[label] for label in rows["label"]] == rows["class_name"]
        assert sorted(set(rows["label"])) == [0, 1]
        pushed_bytes = [cell["bytes"] for cell in rows.data.column("video").to_pylist()]
        assert pushed_bytes == [cell["bytes"] for cell in local[split].data.column("video").to_pylist()]
    ours = load_video_dataset(REPO)
    assert ours["train"].features == local["train"].features  # Video(decode=False), ClassLabel names
    for row in ours["validation"]:
        frames = decode_frames(row["video"]["bytes"], list(range(4)))
        assert frames.shape == (4, 32, 32, 3) and frames.std() > 0  # real rendered pixels


def test_push_without_a_token_fails_before_generating(tmp_path: Path, no_saved_token, capsys) -> None:
    out = tmp_path / "never"
    assert main([*GENERATE, "--out", str(out), "--push-to-hub", REPO]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("synapt generate: error: ")
    assert "token" in err[0] and "HF_TOKEN" in err[0]
    assert not out.exists() and not (tmp_path / ".never.partial").exists()  # nothing was rendered


def test_a_bad_repo_id_fails_before_generating(tmp_path: Path, fake_hub, capsys) -> None:
    out = tmp_path / "never"
    assert main([*GENERATE, "--out", str(out), "--push-to-hub", "no-namespace"]) == 2
    assert "--push-to-hub" in capsys.readouterr().err
    assert not out.exists() and not (tmp_path / ".never.partial").exists()


def test_a_refused_upload_is_one_line_and_keeps_the_dataset(tmp_path: Path, fake_hub, capsys) -> None:
    fake_hub.fail_next(1, status=403)
    out = tmp_path / "kept"
    assert main([*GENERATE, "--out", str(out), "--push-to-hub", REPO]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith(f"synapt generate: error: --push-to-hub {REPO}: create repo failed: ")
    assert "403" in err and err.endswith(f"the generated dataset is kept in {out}")
    assert (out / "dataset_dict.json").is_file() and REPO not in fake_hub.repos
