"""Model cards: render, parse back with huggingface_hub, eval results equal the source rows."""

from __future__ import annotations

import pytest
from huggingface_hub import ModelCard

from synapt_hf.errors import SynaptError
from synapt_hf.hub.cards import render_model_card, validate_card
from synapt_hf.hub.catalog import load_catalog
from synapt_hf.hub.results import read_results

HUB_IDS = {"ucf101": "synapt-test/ucf101"}  # diving48 has no Hub id: name only, outside model-index


def test_card_round_trip_metadata_and_eval_results(catalog_file, results_file, tmp_path):
    entry = load_catalog(catalog_file).entry("synapt-test/videomae-tiny")
    text = render_model_card(entry, dataset_hub_ids=HUB_IDS)
    validate_card(text, entry, dataset_hub_ids=HUB_IDS)
    assert (
        render_model_card(entry, dataset_hub_ids=HUB_IDS) == text
    )  # deterministic: re-publishing an unchanged card uploads nothing
    path = tmp_path / "README.md"
    path.write_text(text)
    card = ModelCard.load(path)

    data = card.data
    assert data.library_name == "transformers" and data.pipeline_tag == "video-classification"
    assert {"synapt", "synthetic-data"} <= set(data.tags)
    assert data.datasets == ["synapt-test/synapt-150"] and data.license == "apache-2.0"
    assert data.to_dict()["synapt"]["pretrain_mode"] == "mae-then-supervised"

    # expected values computed straight from the source rows: mean over ok seeds, in percent
    rows = [r for r in read_results(results_file) if r.checkpoint_name == "videomae-tiny-synapt"]
    expected = {}
    for metric in ("top1", "top5", "mean_class_accuracy"):
        for dataset, protocol in {(r.dataset, r.protocol) for r in rows}:
            values = [
                getattr(r, metric)
                for r in rows
                if (r.dataset, r.protocol) == (dataset, protocol) and r.status == "ok"
            ]
            if all(value is not None for value in values):
                expected[dataset, protocol, metric] = round(100 * sum(values) / len(values), 2)
    parsed = {
        (e.dataset_type, e.metric_args["protocol"], e.metric_config): e.metric_value
        for e in data.eval_results
    }
    hub_expected = {("synapt-test/ucf101", p, m): v for (d, p, m), v in expected.items() if d == "ucf101"}
    assert parsed == pytest.approx(hub_expected)
    assert all(
        e.task_type == "video-classification" and e.metric_type == "accuracy" for e in data.eval_results
    )
    stored = {
        (row["dataset"], row["name"], row.get("hub_id"), row["protocol"], metric): row[metric]
        for row in data.to_dict()["synapt"]["transfer_results"]
        for metric in ("top1", "top5", "mean_class_accuracy")
        if metric in row
    }
    assert stored == pytest.approx(
        {
            (d, name, HUB_IDS.get(d), p, m): v
            for (d, p, m), v in expected.items()
            for name in [{"ucf101": "UCF101", "diving48": "Diving48"}[d]]
        }
    )

    assert "| UCF101 | finetune | 75.00 | 94.00 | 74.00 | 2 |" in card.text
    assert 'AutoModelForVideoClassification.from_pretrained("synapt-test/videomae-tiny")' in card.text
    assert '"learning_rate": 0.001' in card.text  # exact training args from training_args.json
    assert (
        "Synthetic-to-real gap" in card.text
        and "Scene-object bias" in card.text
        and "@inproceedings" in card.text
    )


def test_fine_tuned_card_has_base_model_and_no_results_card_has_no_model_index(catalog_file):
    entry = load_catalog(catalog_file).entry("synapt-test/timesformer-tiny")
    from dataclasses import replace

    tuned = replace(entry, base_model="synapt-test/videomae-tiny", results=())
    card = ModelCard(render_model_card(tuned))
    assert card.data.base_model == "synapt-test/videomae-tiny"
    assert card.data.eval_results is None and "model-index" not in card.content
    assert "No transfer results have been recorded" in card.text


def test_validate_card_detects_tampered_results(catalog_file):
    entry = load_catalog(catalog_file).entry("synapt-test/videomae-tiny")
    text = render_model_card(entry, dataset_hub_ids=HUB_IDS).replace("value: 75.0", "value: 76.0")
    with pytest.raises(SynaptError, match="eval results do not round-trip"):
        validate_card(text, entry, dataset_hub_ids=HUB_IDS)
    with pytest.raises(SynaptError, match="metadata does not parse"):
        validate_card("---\nmodel-index: [{results: 3}]\n---\ntext", entry)


def _model_index(text: str) -> list:
    return ModelCard(text).data.to_dict()["model-index"]


def test_model_index_names_hub_ids_and_puts_the_protocol_in_the_metric(catalog_file):
    from huggingface_hub.repocard_data import eval_results_to_model_index, model_index_to_eval_results

    entry = load_catalog(catalog_file).entry("synapt-test/videomae-tiny")
    index = _model_index(render_model_card(entry, dataset_hub_ids=HUB_IDS))
    results = index[0]["results"]
    assert [r["dataset"] for r in results] == [
        {"name": "UCF101", "type": "synapt-test/ucf101", "split": "validation"}
    ]  # no `config` (the load_dataset config name); Diving48 has no Hub id, so it is not in model-index
    metrics = results[0]["metrics"]
    assert {m["name"] for m in metrics} == {
        "Top-1 accuracy (fine-tune)",
        "Top-5 accuracy (fine-tune)",
        "Mean class accuracy (fine-tune)",
    }
    assert all(m["args"] == {"protocol": "finetune", "seeds": 2} for m in metrics)
    name, parsed = model_index_to_eval_results(index)  # huggingface_hub's own parser, both ways
    assert eval_results_to_model_index(name, parsed) == index


def test_a_local_path_is_refused_as_a_hub_id_naming_the_dataset(catalog_file, tmp_path):
    entry = load_catalog(catalog_file).entry("synapt-test/videomae-tiny")
    for bad in (str(tmp_path), "./data/ucf101", "~/ucf101"):
        with pytest.raises(SynaptError, match=r"dataset 'ucf101'.*local path"):
            render_model_card(entry, dataset_hub_ids={"ucf101": bad})


def test_a_row_whose_dataset_is_a_hub_id_keeps_it_and_a_folder_does_not(catalog_file, tmp_path):
    from dataclasses import replace

    entry = load_catalog(catalog_file).entry("synapt-test/videomae-tiny")
    folder = tmp_path / "outputs" / "weizmann"
    folder.mkdir(parents=True)
    hub_row, path_row = (replace(entry.results[0], dataset=name) for name in ("some-org/ucf101", str(folder)))
    text = render_model_card(replace(entry, results=(hub_row, path_row)))
    validate_card(text, replace(entry, results=(hub_row, path_row)))
    assert [r["dataset"]["type"] for r in _model_index(text)[0]["results"]] == ["some-org/ucf101"]
    assert str(tmp_path) not in text.split("---")[1]  # the YAML header: the folder's name only
    weizmann = [r for r in ModelCard(text).data.to_dict()["synapt"]["transfer_results"] if "hub_id" not in r]
    assert [(r["dataset"], r["name"]) for r in weizmann] == [("weizmann", "Weizmann")]  # key, display name
    # a path mapped to a Hub id is named by it
    text = render_model_card(
        replace(entry, results=(path_row,)), dataset_hub_ids={"weizmann": "org/weizmann"}
    )
    assert [r["dataset"]["type"] for r in _model_index(text)[0]["results"]] == ["org/weizmann"]


def test_usage_snippet_passes_the_saved_frame_sampling_rate(catalog_file, tmp_path):
    import json
    import shutil
    from dataclasses import replace

    entry = load_catalog(catalog_file).entry("synapt-test/videomae-tiny")
    folder = tmp_path / "model"
    shutil.copytree(entry.model_dir, folder)
    processor = json.loads((folder / "preprocessor_config.json").read_text())
    processor.update(sampling_rate=2, sampling_strategy="dense", num_frames=4)
    (folder / "preprocessor_config.json").write_text(json.dumps(processor))
    text = render_model_card(replace(entry, model_dir=folder))
    assert 'classifier("path/to/video.mp4", frame_sampling_rate=2)' in text
    assert 'AutoModelForVideoClassification.from_pretrained("synapt-test/videomae-tiny")' in text
    processor.update(sampling_strategy="segment")
    (folder / "preprocessor_config.json").write_text(json.dumps(processor))
    text = render_model_card(replace(entry, model_dir=folder))
    assert "frame_sampling_rate=" not in text and "segment sampling" in text
