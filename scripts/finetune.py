"""Fine-tune or linear-probe a checkpoint: ``accelerate launch scripts/finetune.py --model DIR --dataset DATA``.

``--protocol finetune`` (default: all weights, layer-wise LR decay, label smoothing, drop path) or
``--protocol linear-probe`` (frozen backbone, BatchNorm + linear head). All logic lives in
``synapt_hf.training``; this file only calls it.
"""

import sys

from synapt_hf.training.entry import main

if __name__ == "__main__":
    sys.exit(main("finetune"))
