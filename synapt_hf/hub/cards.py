"""Model cards: Hub metadata (`ModelCardData` + `EvalResult`s) rendered through the Jinja template in `model_cards/`.

Cards are validated by parsing them back with `ModelCard` and comparing the eval results with their source.
"""

from __future__ import annotations

import json
from pathlib import Path

from synapt_hf import MODEL_CARDS_DIR
from synapt_hf.errors import SynaptError
from synapt_hf.hub.catalog import CatalogEntry, PretrainData
from synapt_hf.hub.results import TransferResult

TEMPLATE_DIR = MODEL_CARDS_DIR
MODEL_CARD_TEMPLATE = TEMPLATE_DIR / "model_card.md.j2"
METRIC_CONFIGS = {
    "top1": "Top-1 accuracy",
    "top5": "Top-5 accuracy",
    "mean_class_accuracy": "Mean class accuracy",
}
TASK = "video-classification"
ARCHITECTURE_NAMES = {"videomae": "VideoMAE", "timesformer": "TimeSformer"}
MODE_DESCRIPTIONS = {
    "supervised": "supervised classification pretraining",
    "mae": "masked video autoencoding (VideoMAE, self-supervised)",
    "mae-then-supervised": "masked video autoencoding followed by supervised classification",
}


def percent(value: float) -> float:
    """Fractions are stored on cards as percentages with two decimals."""
    return round(value * 100.0, 2)


def eval_results_for(entry: CatalogEntry) -> list:
    from huggingface_hub import EvalResult

    out = []
    for result in entry.results:
        for metric, metric_name in METRIC_CONFIGS.items():
            value = getattr(result, metric)
            if value is None:
                continue
            out.append(
                EvalResult(
                    task_type=TASK,
                    task_name="Video Classification",
                    dataset_type=result.dataset,
                    dataset_name=result.dataset_name,
                    dataset_config=result.protocol,
                    dataset_split="validation",
                    metric_type="accuracy",
                    metric_name=f"{metric_name} ({result.protocol})",
                    metric_config=metric,
                    metric_value=percent(value),
                    metric_args={"seeds": result.num_seeds},
                )
            )
    return out


def synapt_metadata(entry: CatalogEntry) -> dict:
    """The catalog fields kept in the card's YAML under `synapt:` (read back by `catalog list` online)."""
    data = {
        "architecture": entry.architecture,
        "size": entry.size,
        "num_frames": entry.num_frames,
        "resolution": entry.resolution,
        "pretrain_data": entry.pretrain.key,
        "pretrain_description": entry.pretrain.description or None,
        "pretrain_num_classes": entry.pretrain.num_classes,
        "pretrain_num_videos": entry.pretrain.num_videos,
        "pretrain_mode": entry.mode,
        "epochs": entry.epochs,
        "steps": entry.steps,
    }
    return {key: value for key, value in data.items() if value is not None}


def build_card_data(entry: CatalogEntry):
    from huggingface_hub import ModelCardData

    tags = ["synapt", "synthetic-data", "video-classification", "action-recognition", entry.architecture]
    return ModelCardData(
        library_name="transformers",
        pipeline_tag=TASK,
        license=entry.license,
        tags=tags,
        datasets=[entry.pretrain.hub_dataset] if entry.pretrain.hub_dataset else None,
        base_model=entry.base_model,
        model_name=entry.name,
        eval_results=eval_results_for(entry) or None,
        synapt=synapt_metadata(entry),
    )


def _training_files(entry: CatalogEntry) -> tuple[str | None, str | None]:
    if entry.model_dir is None:
        return None, None
    texts = []
    for name in ("training_args.json", "all_results.json"):
        path = Path(entry.model_dir) / name
        if path.is_file():
            try:
                texts.append(
                    json.dumps(json.loads(path.read_text(encoding="utf-8")), indent=2, sort_keys=True)
                )
            except json.JSONDecodeError as exc:
                raise SynaptError(f"{path}: malformed JSON ({exc.msg})") from None
        else:
            texts.append(None)
    return texts[0], texts[1]


def render_model_card(entry: CatalogEntry, template: str | Path | None = None) -> str:
    """The card text (YAML metadata + prose) for `entry`; deterministic for the same inputs."""
    from huggingface_hub import ModelCard

    if entry.status == "planned":
        raise SynaptError(
            f"{entry.repo_id}: status is 'planned' (not trained yet): no model card is rendered"
        )
    template = Path(template) if template else MODEL_CARD_TEMPLATE
    if not template.is_file():
        raise SynaptError(f"{template}: model card template not found")
    training_args, all_results = _training_files(entry)
    card = ModelCard.from_template(
        build_card_data(entry),
        template_path=str(template),
        entry=entry,
        arch_name=ARCHITECTURE_NAMES.get(entry.architecture, entry.architecture),
        mode_description=MODE_DESCRIPTIONS.get(entry.mode, entry.mode),
        training_args=training_args,
        all_results=all_results,
        results=[_result_row(result) for result in entry.results],
    )
    return str(card).rstrip() + "\n"


def _result_row(result: TransferResult) -> dict:
    def cell(value: float | None) -> str:
        return "–" if value is None else f"{percent(value):.2f}"

    return {
        "dataset": result.dataset_name,
        "protocol": result.protocol,
        "top1": cell(result.top1),
        "top5": cell(result.top5),
        "mean_class_accuracy": cell(result.mean_class_accuracy),
        "seeds": result.num_seeds,
    }


def results_from_eval_results(eval_results: list | None) -> list[TransferResult]:
    """Invert `eval_results_for`: card eval results back into per-(dataset, protocol) results (fractions)."""
    grouped: dict[tuple[str, str], dict] = {}
    for item in eval_results or []:
        if item.metric_config not in METRIC_CONFIGS or not item.dataset_config:
            continue
        slot = grouped.setdefault((item.dataset_type, item.dataset_config), {"seeds": 1})
        slot[item.metric_config] = float(item.metric_value) / 100.0
        slot["seeds"] = int((item.metric_args or {}).get("seeds", 1))
    return [
        TransferResult(
            dataset=dataset,
            protocol=protocol,
            top1=values.get("top1"),
            top5=values.get("top5"),
            mean_class_accuracy=values.get("mean_class_accuracy"),
            num_seeds=values["seeds"],
        )
        for (dataset, protocol), values in sorted(grouped.items())
        if values.get("top1") is not None
    ]


def entry_from_card_data(repo_id: str, data: dict, eval_results: list | None = None) -> CatalogEntry:
    """A catalog entry from a card's metadata (as listed by the Hub)."""
    meta = data.get("synapt") or {}
    datasets = data.get("datasets") or []
    return CatalogEntry(
        repo_id=repo_id,
        architecture=str(meta.get("architecture", "unknown")),
        size=str(meta.get("size", "unknown")),
        num_frames=int(meta.get("num_frames", 0)),
        resolution=int(meta.get("resolution", 0)),
        pretrain=PretrainData(
            key=str(meta.get("pretrain_data", "unknown")),
            description=meta.get("pretrain_description", ""),
            num_classes=meta.get("pretrain_num_classes"),
            num_videos=meta.get("pretrain_num_videos"),
            hub_dataset=datasets[0] if datasets else None,
        ),
        mode=str(meta.get("pretrain_mode", "unknown")),
        epochs=meta.get("epochs"),
        steps=meta.get("steps"),
        base_model=data.get("base_model"),
        license=data.get("license") or "unknown",
        results=tuple(results_from_eval_results(eval_results)),
        status="published",  # read back from the Hub listing
    )


def validate_card(text: str, entry: CatalogEntry) -> None:
    """Parse the card back with huggingface_hub; its eval results must equal the entry's results."""
    from huggingface_hub import ModelCard

    try:
        card = ModelCard(text)
    except Exception as exc:  # huggingface_hub raises ValueError or yaml errors for broken metadata
        raise SynaptError(f"model card of {entry.repo_id}: metadata does not parse ({exc})") from None
    parsed = results_from_eval_results(card.data.eval_results)
    expected = results_from_eval_results(eval_results_for(entry))
    if parsed != expected:
        raise SynaptError(f"model card of {entry.repo_id}: eval results do not round-trip")
    if "synapt" not in (card.data.tags or []):
        raise SynaptError(f"model card of {entry.repo_id}: tag 'synapt' missing")
