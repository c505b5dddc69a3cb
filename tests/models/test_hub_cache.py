"""A Hub id loads offline from the local Hugging Face cache (a real cache layout, in a subprocess)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = """
from synapt_hf.models.loading import load_classifier, resolve_model
source = resolve_model("synapt-test/videomae-mini")
assert source.kind == "hub" and source.head_labels == ["a", "b"], source
model = load_classifier("synapt-test/videomae-mini", ["a", "b"])
assert model.config.id2label == {0: "a", 1: "b"}
try:
    resolve_model("synapt-test/not-cached")
except Exception as exc:
    print(type(exc).__name__, exc)
"""


def test_hub_id_resolves_from_the_local_cache_offline(tmp_path: Path) -> None:
    from synapt_hf.models.loading import load_classifier

    small = {"hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 64}
    commit = "0123456789abcdef0123456789abcdef01234567"
    repo = tmp_path / "hub" / "models--synapt-test--videomae-mini"
    snapshot = repo / "snapshots" / commit
    load_classifier("videomae-tiny", ["a", "b"], overrides=small).save_pretrained(snapshot)
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(commit)
    env = {**os.environ, "HF_HUB_CACHE": str(tmp_path / "hub"), "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    completed = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=120
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert (
        "SynaptError model 'synapt-test/not-cached': not in the local Hugging Face cache" in completed.stdout
    )
