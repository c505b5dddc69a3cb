#!/usr/bin/env bash
# The end-to-end SynAPT check on real data: pretrain a small VideoMAE on the built-in generator, then
# fine-tune and linear-probe it on Weizmann (leave-3-actors-out) against `scratch` with the same budget,
# and measure Weizmann's scene-object bias and temporal gap. Run from the repository root:
#   nohup bash benchmarks/results/weizmann/run_experiment.sh > benchmarks/results/weizmann/experiment.log 2>&1 &
# Work files (datasets, models) go to outputs/weizmann/ (git-ignored); the result files are copied to
# benchmarks/results/weizmann/ at the end.
set -euo pipefail
WORK=outputs/weizmann
RESULTS=benchmarks/results/weizmann
WEIZMANN=${WEIZMANN:-../shared/data/weizmann}
EPOCHS=${EPOCHS:-30}
SEEDS=${SEEDS:-0}
mkdir -p "$WORK" "$RESULTS"
echo "start $(date -u +%FT%TZ) on $(nproc) CPU(s): $(lscpu | sed -n 's/^Model name: *//p'); load $(cut -d' ' -f1-3 /proc/loadavg)"

# 1. Weizmann as a DatasetDict, split by actor: 3 of the 9 actors (all their clips) held out for validation.
if [ ! -f "$WORK/weizmann/dataset_dict.json" ]; then
  synapt build-dataset folder --root "$WEIZMANN" --out "$WORK/weizmann" --split-by group \
    --group-pattern '^(?P<group>[^_]+)_' --val-ratio 0.34 --seed 0
fi

# 2. Supervised pretraining on the generator, written to disk once (frames decoded each epoch are much
#    cheaper than rendering every step on this CPU): the first 10 action classes x 200 clips = 2000 train
#    clips (+100 held out), 16 frames at 64 px, videomae-tiny, 6 epochs (750 steps of 16).
if [ ! -f "$WORK/pretrain/config.json" ]; then
  echo "pretrain start $(date -u +%FT%TZ)"
  synapt pretrain --model videomae-tiny --mode supervised --synthetic disk --synthetic_dir "$WORK/synthetic" \
    --synthetic_classes 10 --synthetic_train_clips 200 --synthetic_eval_clips 10 --num_epochs 6 \
    --per_device_train_batch_size 16 --eval_every_epoch false --report_to none --disable_progress_bar \
    --seed 0 --output_dir "$WORK/pretrain" --overwrite_output_dir
fi

# 3. Transfer: pretrained vs scratch (random init of the same architecture), both protocols, same budget.
echo "transfer start $(date -u +%FT%TZ)"
synapt transfer --checkpoints "$WORK/pretrain" scratch --datasets "$WORK/weizmann" \
  --protocol finetune linear-probe --seeds $SEEDS --out "$WORK/bench" \
  --num-epochs "$EPOCHS" --batch-size 8 --set eval_every_epoch=false

# 4. Scene-object bias (static clips) and temporal gap of Weizmann, with the same model and budget.
echo "bias start $(date -u +%FT%TZ)"
synapt bias --data "$WORK/weizmann" --model "$WORK/pretrain" --work-dir "$WORK/bias_run" \
  --out "$WORK/bench/bias/weizmann.json" --temporal-gap \
  --num-epochs "$EPOCHS" --batch-size 8 --set eval_every_epoch=false

# 5. Report (table, plots, HTML) from results.jsonl + bias record; copy the result files.
synapt transfer --report "$WORK/bench"
cp "$WORK/bench/results.jsonl" "$WORK/bench/results.csv" "$WORK/bench/results.md" "$WORK/bench/index.html" "$RESULTS/"
mkdir -p "$RESULTS/plots" "$RESULTS/bias"
cp "$WORK/bench/plots/"*.png "$RESULTS/plots/"
cp "$WORK/bench/bias/weizmann.json" "$RESULTS/bias/"
cp "$WORK/pretrain/all_results.json" "$RESULTS/pretrain_results.json"
echo "done $(date -u +%FT%TZ); load $(cut -d' ' -f1-3 /proc/loadavg)"
