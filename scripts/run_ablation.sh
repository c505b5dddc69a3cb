#!/usr/bin/env bash
# The generator ablation on real video: pretrain one model per arm with the same budget, then fine-tune and
# linear-probe each arm and `scratch` on every leave-one-actor-out fold of Weizmann with 2 seeds.
#
#   WEIZMANN=../shared/data/weizmann WORK=outputs/ablation bash scripts/run_ablation.sh default natural
#
# Each argument names an arm: an entry of ARM_RECIPE below (a recipe in model_cards/recipes/ plus the
# generator settings the arm changes). Finished pretrainings and transfer rows are kept, so re-running with
# more arms adds only their work. Results: $WORK/bench/results.{jsonl,md,csv}, index.html, plots/.
set -euo pipefail
cd "$(dirname "$0")/.."
WEIZMANN=${WEIZMANN:-../shared/data/weizmann}
WORK=${WORK:-outputs/ablation}
SEEDS=${SEEDS:-"0 1"}
EPOCHS=${EPOCHS:-30}
RECIPES=model_cards/recipes

declare -A ARM_RECIPE=(
  [default]="generator-supervised-cpu.yaml"
  [natural]="generator-supervised-cpu.yaml --synthetic_preset natural"
  [mocap]="generator-supervised-cpu.yaml --synthetic_motions $WORK/motions"
  [natural-mocap]="generator-supervised-cpu.yaml --synthetic_preset natural --synthetic_motions $WORK/motions"
  [mae]="generator-mae-cpu.yaml"
  [mae-then-supervised]="generator-mae-then-supervised-cpu.yaml"
  [classes74]="generator-supervised-cpu.yaml --synthetic_classes 74"
  [all-factors]="generator-supervised-cpu.yaml --synthetic_preset natural --synthetic_motions $WORK/motions --synthetic_classes 80"
  [all-factors-mae]="generator-mae-cpu.yaml --synthetic_preset natural --synthetic_motions $WORK/motions --synthetic_classes 80"
  [side-view]="generator-supervised-cpu.yaml --synthetic_preset side-view"
)

for arm in "$@"; do  # every arm name is checked before any work
  [ -n "${ARM_RECIPE[$arm]+x}" ] || { echo "unknown arm $arm (known: ${!ARM_RECIPE[*]})" >&2; exit 2; }
done
[ $# -gt 0 ] || { echo "name at least one arm (known: ${!ARM_RECIPE[*]})" >&2; exit 2; }

motions="$WORK/motions"  # the motion library, imported from the shared capture when missing
MOCAP=${MOCAP:-../shared/data/mocap}
[ -f "$motions/dataset_info.json" ] || synapt motions import "$MOCAP/cmu" "$MOCAP/hdm05" \
  --cmu-index "$MOCAP/cmu/index.csv" --out "$motions" >/dev/null

folds="$WORK/weizmann"
[ -f "$folds/folds.json" ] || synapt build-dataset folder --root "$WEIZMANN" --out "$folds" --overwrite \
  --split-by group --group-pattern '^(?P<group>[^_]+)_' --leave-one-group-out >/dev/null

checkpoints=()
for arm in "$@"; do
  spec=${ARM_RECIPE[$arm]}
  read -r recipe overrides <<<"$spec"
  out="$WORK/pretrain-$arm"
  if [ ! -f "$out/all_results.json" ]; then
    # shellcheck disable=SC2086  # the overrides are separate flags
    python scripts/pretrain.py --config "$RECIPES/$recipe" $overrides --output_dir "$out" \
      --overwrite_output_dir --disable_progress_bar --logging_steps 100
  fi
  checkpoints+=("$out")
done

# shellcheck disable=SC2086
synapt transfer --checkpoints "${checkpoints[@]}" scratch --datasets "$folds" \
  --protocol finetune linear-probe --seeds $SEEDS --out "$WORK/bench" --num-epochs "$EPOCHS" --batch-size 8 \
  --set eval_every_epoch=false --set dataloader_num_workers=1 --set disable_progress_bar=true
cat "$WORK/bench/results.md"
