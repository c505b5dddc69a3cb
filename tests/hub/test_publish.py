"""Publishing against a loopback Hub: the real huggingface_hub client, only the server is local."""

from __future__ import annotations

import hashlib
import logging

import pytest
from huggingface_hub import ModelCard

from synapt_hf.cli import main
from synapt_hf.errors import SynaptError
from synapt_hf.hub.catalog import load_catalog
from synapt_hf.hub.publish import publish_catalog, publish_model
from synapt_hf.hub.retry import RetryPolicy

FAST = RetryPolicy(attempts=3, base_delay=0.01)


def test_publish_uploads_folder_card_and_results_then_nothing_on_republish(
    fake_hub, catalog_file, tiny_model_dir
):
    entry = load_catalog(catalog_file).entry("synapt-test/videomae-tiny")
    report = publish_model(tiny_model_dir, entry, endpoint=fake_hub.url, retry=FAST)
    files = fake_hub.files("synapt-test/videomae-tiny")
    expected = {
        "config.json",
        "model.safetensors",
        "preprocessor_config.json",
        "training_args.json",
        "all_results.json",
        "README.md",
        "transfer_results.json",
    }
    assert set(files) == expected and set(report.uploaded) == expected
    for name in expected - {"README.md", "transfer_results.json"}:
        assert files[name] == (tiny_model_dir / name).read_bytes(), name
    weights = (tiny_model_dir / "model.safetensors").read_bytes()
    assert fake_hub.lfs_uploads == [hashlib.sha256(weights).hexdigest()]  # weights went through LFS
    card = ModelCard(files["README.md"].decode())
    assert card.data.synapt["transfer_results"] and "synapt" in card.data.tags  # no Hub ids: no model-index
    assert len(fake_hub.commits) == 1 and report.commit == fake_hub.commits[0]["sha"]

    before = len(fake_hub.requests)
    again = publish_model(tiny_model_dir, entry, endpoint=fake_hub.url, retry=FAST)
    assert again.commit is None and again.uploaded == [] and set(again.unchanged) == expected
    assert len(fake_hub.commits) == 1 and len(fake_hub.lfs_uploads) == 1  # no commit, no file bytes
    new_requests = fake_hub.requests[before:]
    assert not [r for r in new_requests if "/commit/" in r.path or r.method == "PUT"]


def test_republish_uploads_only_the_changed_file(fake_hub, catalog_file, tiny_model_dir, tmp_path):
    import shutil

    model_dir = tmp_path / "model"
    shutil.copytree(tiny_model_dir, model_dir)
    entry = load_catalog(catalog_file).entry("synapt-test/videomae-tiny")
    publish_model(model_dir, entry, endpoint=fake_hub.url, retry=FAST)
    (model_dir / "training_args.json").write_text('{"changed": true}\n')
    again = publish_model(model_dir, entry, endpoint=fake_hub.url, retry=FAST)
    assert again.uploaded == ["training_args.json"] and again.commit == fake_hub.commits[-1]["sha"]
    assert {"model.safetensors", "config.json"} <= set(again.unchanged)  # by LFS sha256 / by git blob id
    assert fake_hub.commits[-1]["paths"] == ["training_args.json"] and len(fake_hub.lfs_uploads) == 1


def test_missing_token_fails_before_any_request(fake_hub, catalog_file, tiny_model_dir, monkeypatch):
    monkeypatch.delenv("HF_TOKEN")
    entry = load_catalog(catalog_file).entry("synapt-test/videomae-tiny")
    with pytest.raises(SynaptError, match="no Hugging Face token found"):
        publish_model(tiny_model_dir, entry, endpoint=fake_hub.url)
    assert fake_hub.requests == []


def test_transient_503s_are_retried_and_token_never_logged(
    fake_hub, catalog_file, tiny_model_dir, caplog, capfd
):
    caplog.set_level(logging.DEBUG)
    entry = load_catalog(catalog_file).entry("synapt-test/videomae-tiny")
    fake_hub.fail_next(2, status=503)
    report = publish_model(tiny_model_dir, entry, endpoint=fake_hub.url, retry=FAST)
    assert [r.status for r in fake_hub.requests[:3]] == [503, 503, 200]
    assert report.commit is not None and "model.safetensors" in fake_hub.files(entry.repo_id)
    assert "retrying" in caplog.text
    out, err = capfd.readouterr()
    assert fake_hub.token not in caplog.text + out + err
    assert all(
        r.authorization == f"Bearer {fake_hub.token}"
        for r in fake_hub.requests
        if r.method not in ("GET", "PUT")
    )


def test_persistent_failure_ends_with_a_clear_message(fake_hub, catalog_file, tiny_model_dir):
    entry = load_catalog(catalog_file).entry("synapt-test/videomae-tiny")
    fake_hub.fail_next(10, status=502)
    with pytest.raises(
        SynaptError, match=r"create repo synapt-test/videomae-tiny failed after 3 attempts: HTTP 502"
    ) as err:
        publish_model(tiny_model_dir, entry, endpoint=fake_hub.url, retry=FAST)
    assert fake_hub.token not in str(err.value)


def test_rejected_token_is_not_retried(fake_hub, catalog_file, tiny_model_dir, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "hf_wrong_token_value")
    entry = load_catalog(catalog_file).entry("synapt-test/videomae-tiny")
    with pytest.raises(SynaptError, match="rejected the token") as err:
        publish_model(tiny_model_dir, entry, endpoint=fake_hub.url, retry=FAST)
    assert sum(r.path == "/api/repos/create" for r in fake_hub.requests) == 1  # not retried
    assert "hf_wrong_token_value" not in str(err.value)


def test_publish_catalog_creates_repos_and_collection_then_updates_notes(fake_hub, catalog_file):
    catalog = load_catalog(catalog_file)
    reports = publish_catalog(catalog, endpoint=fake_hub.url, retry=FAST)
    assert [r.repo_id for r in reports] == ["synapt-test/videomae-tiny", "synapt-test/timesformer-tiny"]
    (collection,) = fake_hub.collections.values()
    assert collection["title"] == "Test catalog" and collection["owner"]["name"] == "synapt-test"
    items = {(item["type"], item["id"]): item["note"]["text"] for item in collection["items"]}
    assert set(items) == {
        ("model", "synapt-test/videomae-tiny"),
        ("model", "synapt-test/timesformer-tiny"),
        ("dataset", "synapt-test/synapt-150"),
    }
    assert "UCF101 finetune top-1 75.0%" in items["model", "synapt-test/videomae-tiny"]

    text = catalog_file.read_text().replace("mode: supervised", "mode: supervised\n    note: updated note")
    catalog_file.write_text(text)
    publish_catalog(load_catalog(catalog_file), endpoint=fake_hub.url, retry=FAST)
    assert len(fake_hub.collections) == 1  # found again by title, not duplicated
    (collection,) = fake_hub.collections.values()
    assert len(collection["items"]) == 3
    notes = {item["id"]: item["note"]["text"] for item in collection["items"]}
    assert notes["synapt-test/timesformer-tiny"] == "updated note"


def test_publish_catalog_checks_every_folder_before_uploading(fake_hub, catalog_file, tmp_path):
    text = catalog_file.read_text()
    missing = tmp_path / "not-trained-yet"
    catalog_file.write_text(
        text.replace(
            "timesformer-tiny\n    model_dir: ", f"timesformer-tiny\n    model_dir: {missing}\n    old: "
        )
    )
    with pytest.raises(
        SynaptError, match=r"entry synapt-test/timesformer-tiny: .*not-trained-yet is not a folder"
    ):
        publish_catalog(load_catalog(catalog_file), endpoint=fake_hub.url)
    assert fake_hub.requests == []


def test_cli_publish_to_branch_and_bad_repo_id(fake_hub, tiny_model_dir, capsys):
    code = main(
        [
            "publish",
            str(tiny_model_dir),
            "--repo-id",
            "synapt-test/cli-model",
            "--revision",
            "v1",
            "--private",
            "--pretrain",
            "synapt150",
        ]
    )
    assert code == 0
    repo = fake_hub.repos["synapt-test/cli-model"]
    assert repo.private and "model.safetensors" in repo.branches["v1"].files
    assert "README.md" not in repo.branches["main"].files
    meta = ModelCard(repo.branches["v1"].files["README.md"].decode()).data.to_dict()["synapt"]
    assert (
        meta["pretrain_data"] == "synapt150" and meta["pretrain_mode"] == "mae-then-supervised"
    )  # from training args
    assert meta["epochs"] == 3.0 and meta["num_frames"] == 4 and meta["resolution"] == 32
    assert "synapt-test/cli-model@v1: committed" in capsys.readouterr().out
    assert main(["publish", str(tiny_model_dir), "--repo-id", "just-a-name"]) == 2
    assert "--repo-id: 'just-a-name' is not a Hub repo id of the form 'org/name'" in capsys.readouterr().err


def test_unreachable_hub_is_retried_then_reported(fake_hub, catalog_file, tiny_model_dir):
    entry = load_catalog(catalog_file).entry("synapt-test/videomae-tiny")
    with pytest.raises(
        SynaptError, match=r"create repo synapt-test/videomae-tiny failed after 2 attempts: .*[Cc]onnect"
    ):
        publish_model(
            tiny_model_dir,
            entry,
            endpoint="http://127.0.0.1:9",
            retry=RetryPolicy(attempts=2, base_delay=0.01),
        )


def test_catalog_entry_must_match_its_folder(fake_hub, catalog_file):
    catalog_file.write_text(
        catalog_file.read_text().replace(
            "num_frames: 4\n    resolution: 32\n    pretrain: kinetics150",
            "num_frames: 16\n    resolution: 32\n    pretrain: kinetics150",
        )
    )
    with pytest.raises(
        SynaptError, match=r"entry synapt-test/timesformer-tiny: num_frames is 16 in the catalog but 4 in"
    ):
        publish_catalog(load_catalog(catalog_file), endpoint=fake_hub.url)
    assert fake_hub.requests == []
