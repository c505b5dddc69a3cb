"""The catalog spec: loading, validation errors naming the entry, list_pretrained filters and sorting."""

from __future__ import annotations

import pytest
import yaml

import synapt_hf
from synapt_hf.errors import SynaptError
from synapt_hf.hub.catalog import DEFAULT_CATALOG, load_catalog


def test_catalog_entries_carry_their_transfer_results(catalog_file):
    catalog = load_catalog(catalog_file)
    assert [entry.repo_id for entry in catalog.models] == [
        "synapt-test/videomae-tiny",
        "synapt-test/timesformer-tiny",
    ]
    videomae = catalog.entry("synapt-test/videomae-tiny")
    assert (
        videomae.pretrain.hub_dataset == "synapt-test/synapt-150" and videomae.mode == "mae-then-supervised"
    )
    assert videomae.top1("ucf101") == pytest.approx(0.75)
    assert videomae.top1("diving48") == pytest.approx(0.2345)
    assert videomae.top1("hmdb51") is None  # that row belongs to another checkpoint
    timesformer = catalog.entry("timesformer-tiny")
    assert timesformer.pretrain.key == "kinetics150" and timesformer.top1("ucf101") == pytest.approx(0.90)
    assert (
        catalog.collection.title == "Test catalog" and catalog.datasets[0].repo_id == "synapt-test/synapt-150"
    )


def test_list_pretrained_filters_and_sorts(catalog_file):
    ids = lambda entries: [entry.repo_id for entry in entries]  # noqa: E731
    assert ids(synapt_hf.list_pretrained(catalog=catalog_file, arch="videomae")) == [
        "synapt-test/videomae-tiny"
    ]
    assert ids(synapt_hf.list_pretrained(catalog=catalog_file, pretrain="KINETICS150")) == [
        "synapt-test/timesformer-tiny"
    ]
    assert ids(synapt_hf.list_pretrained(catalog=catalog_file, sort="ucf101")) == [
        "synapt-test/timesformer-tiny",
        "synapt-test/videomae-tiny",
    ]
    # entries without a result on the sort dataset go last
    assert (
        ids(synapt_hf.list_pretrained(catalog=catalog_file, sort="diving48"))[0]
        == "synapt-test/videomae-tiny"
    )
    assert synapt_hf.list_pretrained(catalog=catalog_file, mode="mae") == []
    with pytest.raises(SynaptError, match="unknown filter"):
        synapt_hf.list_pretrained(catalog=catalog_file, architecture="videomae")


def _edit(catalog_file, change):
    data = yaml.safe_load(catalog_file.read_text())
    change(data)
    catalog_file.write_text(yaml.safe_dump(data))
    return catalog_file


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["models"][1].pop("architecture"),
            r"models\[1\] \(synapt-test/timesformer-tiny\): missing required field 'architecture'",
        ),
        (
            lambda d: d["models"][0].update(repo_id="no-org-here"),
            r"models\[0\]\.repo_id: 'no-org-here' is not a Hub repo id of the form 'org/name'",
        ),
        (
            lambda d: d["models"][0].update(repo_id="org/bad--name"),
            r"models\[0\]\.repo_id: 'org/bad--name' is not a valid Hub repo id",
        ),
        (
            lambda d: d["models"][0].update(mode="contrastive"),
            r"\(synapt-test/videomae-tiny\): mode must be one of",
        ),
        (lambda d: d["models"][0].update(num_frames="16"), r"field 'num_frames' has the wrong type"),
        (
            lambda d: d["models"].append(dict(d["models"][0])),
            r"repo id 'synapt-test/videomae-tiny' appears twice",
        ),
        (
            lambda d: d.update(results="missing.jsonl"),
            None,
        ),  # a missing shared results file is allowed (not yet run)
        (lambda d: d["models"][0].update(results="missing.jsonl"), r"missing.jsonl: results file not found"),
    ],
)
def test_bad_entries_give_errors_naming_the_entry(catalog_file, change, message):
    _edit(catalog_file, change)
    if message is None:
        assert load_catalog(catalog_file).models[0].results == ()
        return
    with pytest.raises(SynaptError, match=message):
        load_catalog(catalog_file)


def test_malformed_results_file_is_named(catalog_file, results_file):
    results_file.write_text(results_file.read_text() + "{broken\n")
    with pytest.raises(SynaptError, match=r"results.jsonl:7: malformed JSON"):
        load_catalog(catalog_file)


def test_shipped_catalog_is_valid():
    catalog = load_catalog(DEFAULT_CATALOG)
    assert catalog.models and catalog.collection is not None
    assert all(entry.repo_id.count("/") == 1 for entry in catalog.models)


def test_entry_from_a_bare_training_folder(tiny_model_dir):
    from synapt_hf.hub.model_folder import entry_from_model_dir, files_to_publish

    entry = entry_from_model_dir(tiny_model_dir, "org/tiny")
    assert (entry.architecture, entry.size, entry.num_frames, entry.resolution) == ("videomae", "tiny", 4, 32)
    assert entry.mode == "mae-then-supervised" and entry.pretrain.key == "generated10"
    assert entry.pretrain.num_classes == 10 and entry.epochs == 3.0 and entry.base_model is None
    names = {path.as_posix() for path in files_to_publish(tiny_model_dir)}
    assert names == {
        "config.json",
        "model.safetensors",
        "preprocessor_config.json",
        "training_args.json",
        "all_results.json",
    }


def test_trainer_state_is_not_published_and_unfinished_runs_are_refused(tiny_model_dir, tmp_path):
    import shutil

    from synapt_hf.hub.model_folder import check_model_dir, files_to_publish

    folder = tmp_path / "run"
    shutil.copytree(tiny_model_dir, folder)
    for extra in (
        "checkpoint-3/optimizer.pt",
        "stage1-mae/model.safetensors",
        ".export-1.tmp/x",
        "logs/events.out",
    ):
        (folder / extra).parent.mkdir(parents=True, exist_ok=True)
        (folder / extra).write_bytes(b"x")
    names = {path.as_posix() for path in files_to_publish(folder)}
    assert "logs/events.out" in names and not [
        n for n in names if n.startswith(("checkpoint-", "stage1", "."))
    ]
    (folder / "all_results.json").unlink()
    with pytest.raises(SynaptError, match=r"no all_results\.json \(unfinished run\)"):
        check_model_dir(folder)
