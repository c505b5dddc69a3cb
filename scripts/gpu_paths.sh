#!/usr/bin/env bash
# Training paths the CPU tests cannot reach, as short real runs on one GPU (a step of scripts/gpu_check.sh):
#   1. fp16 (GradScaler) supervised pretraining on the online generator, checkpoint at step 4, then a
#      resume from that checkpoint: the two final weights are compared (max |difference|);
#   2. FSDP2 through the shipped scripts/accelerate/fsdp.yaml on one process (NCCL), MAE in bf16, with a
#      sharded checkpoint and a resume from it, compared the same way.
#   MODEL=videomae-small OUT=outputs/gpu_paths bash scripts/gpu_paths.sh
# RUNS picks the runs (default "fp16 fsdp_mae"). On a CPU: MODEL=videomae-tiny FP16=no (accelerate then
# runs the FSDP config as one plain process: the FSDP path itself is tested with 2 CPU processes).
set -euo pipefail
MODEL=${MODEL:-videomae-small}
OUT=${OUT:-outputs/gpu_paths}
FP16=${FP16:-fp16}
WORKERS=${WORKERS:-4}
RUNS=${RUNS:-fp16 fsdp_mae}
rm -rf "$OUT"
mkdir -p "$OUT"
common=(--model "$MODEL" --synthetic online --synthetic-classes 4 --synthetic-train-clips 32
  --synthetic-eval-clips 2 --synthetic-renderer eager --max-steps 8 --checkpointing-steps 4 --per-device-train-batch-size 8
  --dataloader-num-workers "$WORKERS" --report-to none --disable-progress-bar)

launch() {  # launch [accelerate options...] -- [pretrain options...]
  local launcher=()
  while [[ $1 != -- ]]; do launcher+=("$1"); shift; done
  shift
  python3 -m accelerate.commands.launch --num_processes 1 "${launcher[@]}" \
    scripts/pretrain.py "${common[@]}" "$@"
}

straight_then_resumed() {  # NAME [accelerate options...] -- [pretrain options...]
  local name=$1 started=$SECONDS
  shift
  launch "$@" --output-dir "$OUT/$name"
  mkdir -p "$OUT/$name-resumed"
  cp -r "$OUT/$name/checkpoint-4" "$OUT/$name-resumed/"
  launch "$@" --output-dir "$OUT/$name-resumed" --resume-from-checkpoint latest
  python3 - "$OUT/$name" "$OUT/$name-resumed" "$name" "$((SECONDS - started))" <<'PY'
import json, sys
from pathlib import Path
from safetensors.torch import load_file
straight, resumed, name, seconds = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4]
a, b = load_file(straight / "model.safetensors"), load_file(resumed / "model.safetensors")
assert a.keys() == b.keys(), "different parameter names"
diff = max((a[k].float() - b[k].float()).abs().max().item() for k in a)
results = json.loads((straight / "all_results.json").read_text())
loss = {k: v for k, v in results.items() if "loss" in k}
files = sorted(path.name for path in (straight / "checkpoint-4").iterdir())
print(f"{name}: {len(a)} tensors, straight vs resumed max |diff| {diff:.3g}; {loss}; {seconds}s")
print(f"{name}: checkpoint-4 holds {files}")
PY
}

case " $RUNS " in *" fp16 "*) straight_then_resumed fp16 --mixed_precision "$FP16" -- --mode supervised ;; esac
case " $RUNS " in *" fsdp_mae "*)
  straight_then_resumed fsdp_mae --config_file scripts/accelerate/fsdp.yaml -- --mode mae ;;
esac
