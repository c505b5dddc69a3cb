"""Names shared across packages: file names of the project's outputs and the video file extensions."""

from __future__ import annotations

# Video files recognised in raw trees and split lists (compared in lower case).
VIDEO_EXTENSIONS = (".mp4", ".avi", ".webm", ".mkv", ".mov", ".m4v", ".mpg", ".mpeg")

# A training run's output folder.
TRAINING_ARGS_FILE = "training_args.json"  # the run's TrainConfig
ALL_RESULTS_FILE = "all_results.json"  # its final metrics

# A transfer benchmark's folder.
TRANSFER_RESULTS_FILE = "results.jsonl"  # one row per (checkpoint, dataset, protocol, seed)

# A fold collection's folder (`build-dataset --leave-one-group-out`).
FOLDS_FILE = "folds.json"
