#!/usr/bin/env bash
# The Weizmann transfer experiment with a GPU budget (issue #6): pretrain videomae-tiny on fresh clips of the
# built-in generator rendered on the GPU (35 actions; scene presets `default` and `side-view`), then
# fine-tune and linear-probe on real Weizmann (leave-3-actors-out, several actor folds) against `scratch`
# with the same budget. Run from the repository root on a GPU machine:
#   bash benchmarks/results/weizmann/run_gpu.sh            # SMOKE=1 for a 1-minute check of the whole path
# Work files go to $WORK (default outputs/weizmann_gpu); results, logs and the report to $RESULTS.
set -euo pipefail
WORK=${WORK:-outputs/weizmann_gpu}
RESULTS=${RESULTS:-${OUT:-$WORK/results}}
WEIZMANN=${WEIZMANN:-$([ -d .gpu/weizmann ] && echo .gpu/weizmann || echo ../shared/data/weizmann)}
PRESETS=${PRESETS:-"default side-view"}
PRETRAIN_MINUTES=${PRETRAIN_MINUTES-1.0}  # empty: no time cap
PRECISION=${PRECISION:-bf16}
PRETRAIN_STEPS=${PRETRAIN_STEPS:-4000}
FOLDS=${FOLDS:-"0 1"}
EPOCHS=${EPOCHS:-40}
WORKERS=${WORKERS:-$(($(nproc) - 1))}
if [ "${SMOKE:-0}" = 1 ]; then
  PRESETS=side-view PRETRAIN_STEPS=20 FOLDS=0 EPOCHS=2 WORK=$WORK-smoke
fi
SYNAPT="python3 -m synapt_hf.cli"
mkdir -p "$WORK" "$RESULTS"
echo "start $(date -u +%FT%TZ): $(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null || echo no GPU), $(nproc) CPUs"

# 1. Weizmann as DatasetDicts split by actor: each fold holds 3 of the 9 actors out (drawn by the fold seed).
datasets=()
for fold in $FOLDS; do
  out="$WORK/weizmann-fold$fold"
  [ -f "$out/dataset_dict.json" ] || $SYNAPT build-dataset folder --root "$WEIZMANN" --out "$out" --split-by group \
    --group-pattern '^(?P<group>[^_]+)_' --val-ratio 0.34 --seed "$fold" --num-proc "$WORKERS" >/dev/null
  datasets+=("$out")
done

# 2. Supervised pretraining on fresh generated clips, rendered on the GPU while CPU workers sample scenes
#    (35 classes x 10,000 clips per epoch: no clip is seen twice), bf16, batch 64.
checkpoints=()
for preset in $PRESETS; do
  out="$WORK/pretrain-$preset"
  if [ ! -f "$out/config.json" ]; then
    pretrain=(python3 scripts/pretrain.py --model videomae-tiny --mode supervised --synthetic online
      --synthetic_classes 35 --synthetic_train_clips 10000 --synthetic_eval_clips 20 --synthetic_preset "$preset"
      --per_device_train_batch_size 64 --max_steps "$PRETRAIN_STEPS" ${PRETRAIN_MINUTES:+--max_train_minutes "$PRETRAIN_MINUTES"}
      --learning_rate 2e-4 --mixed_precision "$PRECISION" --dataloader_num_workers "$WORKERS" --eval_every_epoch false
      --report_to none --disable_progress_bar --seed 0 --output_dir "$out" --overwrite_output_dir)
    # rendering on the GPU by default; should that fail, render in the CPU workers instead
    "${pretrain[@]}" || "${pretrain[@]}" --synthetic_device cpu
  fi
  cp "$out/all_results.json" "$RESULTS/pretrain-$preset.json"
  checkpoints+=("$out")
done

# 3. Transfer: each pretrained model and scratch, both protocols, every fold, same budget.
$SYNAPT transfer --checkpoints "${checkpoints[@]}" scratch --datasets "${datasets[@]}" \
  --protocol finetune linear-probe --seeds 0 --out "$WORK/bench" --num-epochs "$EPOCHS" --batch-size 8 \
  --set eval_every_epoch=false --set dataloader_num_workers=4 --set mixed_precision="$PRECISION"
$SYNAPT transfer --report "$WORK/bench"
cp "$WORK/bench/results.jsonl" "$WORK/bench/results.md" "$RESULTS/"
cat "$WORK/bench/results.md"
echo "done $(date -u +%FT%TZ)"
