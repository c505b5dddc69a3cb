"""A real 2-process CPU run (DDP over gloo) through `accelerate launch` and scripts/pretrain.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_two_process_cpu_run_through_accelerate_launch(
    tmp_path: Path, tiny_dataset: Path, tiny_overrides: dict
) -> None:
    out = tmp_path / "ddp"
    # `accelerate launch --cpu --num_processes 2` starts ONE process in accelerate 1.x (multi-CPU needs mpirun);
    # `--multi_gpu` spawns the processes with torchrun and the loop selects gloo on a machine without GPUs.
    command = [
        sys.executable,
        "-m",
        "accelerate.commands.launch",
        "--multi_gpu",
        "--num_processes",
        "2",
        "--num_machines",
        "1",
        "--mixed_precision",
        "no",
        "--dynamo_backend",
        "no",
        "--main_process_port",
        "29517",
        str(REPO / "scripts" / "pretrain.py"),
        "--dataset",
        str(tiny_dataset),
        "--model-overrides",
        json.dumps(tiny_overrides),
        "--output-dir",
        str(out),
        "--max-steps",
        "2",
        "--checkpointing-steps",
        "1",
        "--checkpoints-total-limit",
        "1",
        "--per-device-train-batch-size",
        "2",
        "--report-to",
        "none",
        "--disable-progress-bar",
        "--dataloader-num-workers",
        "0",
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "ACCELERATE_USE_CPU": "true"}
    completed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, cwd=REPO)
    assert completed.returncode == 0, completed.stderr[-3000:]
    results = json.loads((out / "all_results.json").read_text())
    assert results["num_processes"] == 2 and results["global_step"] == 2
    assert results["num_val"] == 3 and results["top1"] is not None  # gather_for_metrics drops padding
    assert [p.name for p in out.glob("checkpoint-*")] == ["checkpoint-2"]  # total limit 1
    assert sorted(p.name for p in (out / "checkpoint-2").glob("random_states_*.pkl")) == [
        "random_states_0.pkl",
        "random_states_1.pkl",
    ]
    assert "fine-tune it on a real dataset with" in completed.stdout
