#!/usr/bin/env bash
# The GPU checks of issues #3 (generator) and #4 (training), as one prepared run on a lent GPU machine:
# environment, the CUDA tests, bench_generate (CUDA), bench_train (H100 preset) and a smoke run of the
# Weizmann transfer path (benchmarks/results/weizmann/run_gpu.sh). Logs and a summary go to $OUT (default outputs/gpu_check).
#   bash scripts/gpu_check.sh [steps...]
# steps: env cuda_tests bench_generate bench_augment bench_attention bench_levers bench_levers_full bench_train
#   bench_train_speedups profile_step bench_train_timesformer gpu_paths weizmann smoke
# (default: env cuda_tests bench_augment bench_attention bench_train, at most 10 minutes, which leaves a
# 15-minute device budget room for the machine's start; gpu_paths, which verified the fp16 and FSDP resumes
# on 2026-11-27, runs when named; so do the issue-19 levers: `bash scripts/gpu_check.sh env cuda_tests
# bench_levers bench_levers_full` fits in about 8 minutes). SOURCES and MODES pick bench_train's sources and modes (default
# online:rs4,disk and mae,supervised), RUNS the runs of gpu_paths.
# Steps run in the order below, whatever the order named.
# Wheels of missing packages (PyAV, datasets, ...) in .gpu/whl are installed first when present. On a lent
# machine without a package index, prepare them here first (and a copy of the Weizmann clips):
#   echo /.gpu/ >> .git/info/exclude; mkdir -p .gpu/whl; cp -r ../shared/data/weizmann .gpu/
#   python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
#     --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 -d .gpu/whl \
#     av==18.1.0 datasets==5.2.0 evaluate==0.4.6 dill==0.4.1 multiprocess==0.70.19
# and pass `.gpu` in the device tool's carry list.
set -uo pipefail
OUT=${OUT:-outputs/gpu_check}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false HF_HUB_OFFLINE=1
if compgen -G ".gpu/whl/*.whl" >/dev/null; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .gpu/whl/*.whl
  export PYTHONPATH="$PWD:/tmp/site"
else
  export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
fi
STEPS=${*:-env cuda_tests bench_augment bench_attention bench_train}
SOURCES=${SOURCES:-online:rs4,disk} MODES=${MODES:-mae,supervised} RUNS=${RUNS:-fp16 fsdp_mae}
# scene-sampling workers: all cores but two (the training/rendering thread and the pin-memory thread)
WORKERS=$(($(nproc) - 2))
export OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1

step() {  # step NAME SECONDS command...: run with a time limit, log to $OUT/NAME.log, one summary line
  local name=$1 limit=$2 start=$SECONDS
  shift 2
  case " $STEPS " in *" $name "*) ;; *) return 0 ;; esac
  echo "=== $name (limit ${limit}s)"
  timeout "$limit" "$@" >"$OUT/$name.log" 2>&1
  local rc=$?
  tail -n 40 "$OUT/$name.log"
  echo "=== $name rc=$rc $((SECONDS - start))s" | tee -a "$OUT/summary.txt"
}

step env 40 bash -c 'nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv; nproc;
  python3 -c "import sys, torch, transformers, accelerate, datasets, pyarrow, av, huggingface_hub as h
print(sys.version.split()[0], \"torch\", torch.__version__, \"cuda\", torch.version.cuda, torch.cuda.get_device_name(0))
print(\"transformers\", transformers.__version__, \"accelerate\", accelerate.__version__, \"datasets\", datasets.__version__,
      \"pyarrow\", pyarrow.__version__, \"av\", av.__version__, \"hub\", h.__version__)"'
step cuda_tests 60 python3 -m pytest -q -p no:cacheprovider -k 'cuda or gpu' \
  tests/data/test_batched_resize.py tests/models/test_mae_forward.py tests/models/test_sdpa_kernels.py \
  tests/models/test_position_tables.py tests/training/test_clip_loader.py tests/models/test_fused_qkv.py \
  tests/training/test_master_weights.py
step bench_augment 30 python3 scripts/bench_augment.py --device cuda --size 224 --clips 64
# the models alone (bare rates, stock against the model as training runs it): VideoMAE-Base with its
# position table on the device (supervised) and the sync-free forward (MAE); then both with cuDNN attention
# first; TimeSformer-Base with the project's SDPA attention against transformers' eager one (the top kernels
# of the stock steps: profile_step)
step bench_attention 200 bash -c "B='python3 scripts/bench_train.py --preset h100 --steps 20 --sources='; set -e
  \$B --model timesformer-base --modes supervised --json $OUT/bench_attention_timesformer.json
  \$B --modes supervised,mae --json $OUT/bench_attention_videomae.json
  \$B --modes supervised,mae --sdpa-kernel cudnn --json $OUT/bench_attention_cudnn.json"
# issue 19's levers, bare VideoMAE-Base rows against the same stock bare rate: the fused QKV projection,
# bf16 parameters with fp32 master weights (no autocast), both (bench_train --levers)
step bench_levers 200 python3 scripts/bench_train.py --preset h100 --steps 20 --sources= --modes supervised,mae \
  --levers none,fused-qkv,bf16,fused-qkv+bf16 --json "$OUT/bench_levers.json"
# the full supervised pipeline on the online generator at batch 64 with both levers (target: 1.3x the stock
# bare step at batch 32, which bench_levers measures as its stock bare rate)
step bench_levers_full 200 python3 scripts/bench_train.py --preset h100 --steps 20 --workers "$WORKERS" \
  --modes supervised --batch-size 64 --sources online:rs4 --levers fused-qkv+bf16 --json "$OUT/bench_levers_full.json"
# online = the generator with the CUDA default (fused) renderer; :rs4 = repeated sampling (each rendered
# clip used 4 times per batch); disk = the generated dataset, decoded in workers, augmented on the GPU
step bench_train 270 python3 scripts/bench_train.py --preset h100 --workers "$WORKERS" \
  --modes "$MODES" --sources "$SOURCES" --json "$OUT/bench_train.json"
# fp16 and FSDP2 (shipped config, one process, NCCL), each with a checkpoint and a resume
step gpu_paths 160 env OUT="$OUT/gpu_paths" WORKERS=4 RUNS="$RUNS" bash scripts/gpu_paths.sh
# CUDA graphs (torch.compile reduce-overhead), eager and compiled rows, for the modes in MODES_SPEEDUPS
# (default supervised; MAE replays them too since the H100 run of 2026-11-27, not yet timed in full)
step bench_train_speedups 170 python3 scripts/bench_train.py --preset h100 --workers "$WORKERS" \
  --modes "${MODES_SPEEDUPS:-supervised}" --sources online:rs4 --speedups --compile-mode reduce-overhead --json "$OUT/bench_train_speedups.json"
# where the bare model's step spends its GPU time (top kernels; the supervised step runs at ~28 % of peak)
step profile_step 90 python3 scripts/bench_train.py --preset h100 --modes supervised,mae --sources "" --profile
# TimeSformer-Base (8x224, the anchor ~123 clips/s bare), supervised
step bench_train_timesformer 150 python3 scripts/bench_train.py --preset h100 --workers "$WORKERS" \
  --model timesformer-base --modes supervised --sources online:rs4 --json "$OUT/bench_train_timesformer.json"
step bench_generate 150 python3 scripts/bench_generate.py --device cuda --clips 2048 --baseline-clips 4 \
  --batch-size 256 --workers "$WORKERS" --repeat 1 --fused --no-encode
step weizmann 205 env WORKERS="$WORKERS" PRESETS=side-view PRETRAIN_MINUTES=1.5 FOLDS="0 1" EPOCHS=40 RESULTS="$OUT/weizmann" \
  bash benchmarks/results/weizmann/run_gpu.sh
step smoke 110 env SMOKE=1 RESULTS=outputs/weizmann_smoke_results bash benchmarks/results/weizmann/run_gpu.sh
cat "$OUT/summary.txt"
