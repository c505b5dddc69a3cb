"""Model cards: render, parse back with huggingface_hub, eval results equal the source rows."""

from __future__ import annotations

import pytest
from huggingface_hub import ModelCard

from synapt_hf.errors import SynaptError
from synapt_hf.hub.cards import render_model_card, validate_card
from synapt_hf.hub.catalog import load_catalog
from synapt_hf.hub.results import read_results


def test_card_round_trip_metadata_and_eval_results(catalog_file, results_file, tmp_path):
    entry = load_catalog(catalog_file).entry("synapt-test/videomae-tiny")
    text = render_model_card(entry)
    assert render_model_card(entry) == text  # deterministic: re-publishing an unchanged card uploads nothing
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
    parsed = {(e.dataset_type, e.dataset_config, e.metric_config): e.metric_value for e in data.eval_results}
    assert parsed == pytest.approx(expected)
    assert all(
        e.task_type == "video-classification" and e.metric_type == "accuracy" for e in data.eval_results
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
    text = render_model_card(entry).replace("value: 75.0", "value: 76.0")
    with pytest.raises(SynaptError, match="eval results do not round-trip"):
        validate_card(text, entry)
    with pytest.raises(SynaptError, match="metadata does not parse"):
        validate_card("---\nmodel-index: [{results: 3}]\n---\ntext", entry)
