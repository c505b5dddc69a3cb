#!/usr/bin/env bash
# Round 3: MAE pretraining (VideoMAE's own objective) on the same 2000 generated clips, then the same
# transfer budget; resumes the round-2 benchmark, so only the new checkpoint's rows are trained.
#   nohup bash benchmarks/results/weizmann/run_round3_mae.sh > benchmarks/results/weizmann/round3.log 2>&1 &
set -euo pipefail
WORK=outputs/weizmann
RESULTS=benchmarks/results/weizmann
EPOCHS=${EPOCHS:-30}
echo "start $(date -u +%FT%TZ); load $(cut -d' ' -f1-3 /proc/loadavg)"
if [ ! -f "$WORK/pretrain-mae/config.json" ]; then
  synapt pretrain --model videomae-tiny --mode mae --dataset "$WORK/synthetic" --num_epochs 6 \
    --per_device_train_batch_size 16 --eval_every_epoch false --report_to none --disable_progress_bar \
    --seed 0 --output_dir "$WORK/pretrain-mae" --overwrite_output_dir
fi
echo "transfer start $(date -u +%FT%TZ)"
synapt transfer --checkpoints "$WORK/pretrain" "$WORK/pretrain-mae" scratch --datasets "$WORK/weizmann" \
  --protocol finetune linear-probe --seeds 0 --out "$WORK/bench" \
  --num-epochs "$EPOCHS" --batch-size 8 --set eval_every_epoch=false
synapt transfer --report "$WORK/bench"
cp "$WORK/bench/results.jsonl" "$WORK/bench/results.csv" "$WORK/bench/results.md" "$WORK/bench/index.html" "$RESULTS/"
cp "$WORK/bench/plots/"*.png "$RESULTS/plots/"
cp "$WORK/pretrain-mae/all_results.json" "$RESULTS/pretrain_mae_results.json"
echo "done $(date -u +%FT%TZ); load $(cut -d' ' -f1-3 /proc/loadavg)"
