#!/usr/bin/env bash
# Second seed for every (checkpoint, protocol) of rounds 2-3: the benchmark resumes, so only seed 1 runs.
#   nohup bash benchmarks/results/weizmann/run_seed1.sh > benchmarks/results/weizmann/seed1.log 2>&1 &
set -euo pipefail
WORK=outputs/weizmann
RESULTS=benchmarks/results/weizmann
echo "start $(date -u +%FT%TZ); load $(cut -d' ' -f1-3 /proc/loadavg)"
synapt transfer --checkpoints "$WORK/pretrain" "$WORK/pretrain-mae" scratch --datasets "$WORK/weizmann" \
  --protocol finetune linear-probe --seeds 0 1 --out "$WORK/bench" \
  --num-epochs 30 --batch-size 8 --set eval_every_epoch=false
synapt transfer --report "$WORK/bench"
cp "$WORK/bench/results.jsonl" "$WORK/bench/results.csv" "$WORK/bench/results.md" "$WORK/bench/index.html" "$RESULTS/"
cp "$WORK/bench/plots/"*.png "$RESULTS/plots/"
echo "done $(date -u +%FT%TZ); load $(cut -d' ' -f1-3 /proc/loadavg)"
