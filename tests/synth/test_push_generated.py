"""`synapt generate --push-to-hub` against the loopback fake Hub (tests/hub/fake_hub.py): what arrives, in
one commit, and what a user loads back from it; a missing token fails before anything is generated."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import datasets
import pytest
from huggingface_hub import DatasetCard, constants

from synapt_hf.cli import main
from synapt_hf.data.video import decode_frames

FAKE_HUB = Path(__file__).resolve().parents[1] / "hub" / "fake_hub.py"
TOKEN = "hf_synth_push_test_token_0123456789"
REPO = "synapt-test/generated-tiny"
CLASSES = ["walking", "clapping"]
GENERATE = ["generate", "--classes", ",".join(CLASSES), "--clips-per-class", "2", "--frames", "4",
            "--size", "32", "--seed", "3", "--no-progress"]  # fmt: skip


def _fake_hub_module():
    name = "synapt_tests_fake_hub"  # the same module name the hub and datasets tests use
    if name not in sys.modules:
        if not FAKE_HUB.is_file():
            pytest.skip("tests/hub/fake_hub.py not present")
        spec = importlib.util.spec_from_file_location(name, FAKE_HUB)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture
def no_saved_token(monkeypatch, tmp_path: Path) -> None:
    """No token anywhere: no HF_TOKEN and no `hf auth login` token file."""
    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(tmp_path / "no-saved-token"))
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_XET", True)
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.delenv("HUGGING_FACE_HUB_TOKEN", raising=False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)


@pytest.fixture
def fake_hub(monkeypatch, no_saved_token):
    """A started loopback Hub; HF_TOKEN is its token and HF_ENDPOINT its address."""
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    with _fake_hub_module().FakeHub(token=TOKEN) as hub:
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        yield hub


def test_generate_and_push(tmp_path: Path, fake_hub) -> None:
    out = tmp_path / "generated"
    assert main([*GENERATE, "--out", str(out), "--push-to-hub", REPO]) == 0
    files = fake_hub.files(REPO)
    shards = sorted(name for name in files if name.endswith(".parquet"))
    assert shards == ["data/train-00000-of-00001.parquet", "data/validation-00000-of-00001.parquet"]
    commits = [c for c in fake_hub.commits if c["repo_id"] == REPO]
    assert len(commits) == 1 and sorted(commits[0]["paths"]) == ["README.md", *shards]  # one atomic commit

    text = files["README.md"].decode("utf-8")
    card = DatasetCard(text)
    assert "synthetic" in card.data.tags and card.data.task_categories == ["video-classification"]
    assert "Generated data" in text and "No real people" in text
    settings = card.data.synapt_generator  # the exact generator settings, machine-readable
    assert settings["classes"] == CLASSES and settings["frames"] == 4 and settings["size"] == 32
    assert settings["seed"] == 3 and settings["clips_per_class"] == {"train": 2, "validation": 1}
    assert card.data.configs[0]["data_files"] == [
        {"split": "train", "path": [shards[0]]},
        {"split": "validation", "path": [shards[1]]},
    ]

    # What a user downloads: the pushed parquet files, loaded with the plain `datasets` parquet loader.
    clone = tmp_path / "clone"
    for name, data in files.items():
        (clone / name).parent.mkdir(parents=True, exist_ok=True)
        (clone / name).write_bytes(data)
    pushed = datasets.load_dataset(
        "parquet",
        data_files={"train": str(clone / shards[0]), "validation": str(clone / shards[1])},
        cache_dir=str(tmp_path / "hf-cache"),
    )
    local = datasets.load_from_disk(str(out))
    assert {name: len(split) for name, split in pushed.items()} == {"train": 4, "validation": 2}
    for split in ("train", "validation"):
        rows = pushed[split]
        assert rows.features["label"].names == CLASSES
        assert rows["label"] == local[split]["label"] and rows["path"] == local[split]["path"]
        assert [CLASSES[label] for label in rows["label"]] == rows["class_name"]
        assert sorted(set(rows["label"])) == [0, 1]
        for row in rows:
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
