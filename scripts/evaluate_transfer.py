#!/usr/bin/env python
"""Run the transfer benchmark (same options as `synapt transfer`), e.g.

    python scripts/evaluate_transfer.py --checkpoints runs/pretrain scratch --datasets data/weizmann \
        --protocol finetune linear-probe --seeds 0 1 --out results/transfer
    python scripts/evaluate_transfer.py --report results/transfer
"""

import sys

from synapt_hf.cli import main

if __name__ == "__main__":
    sys.exit(main(["transfer", *sys.argv[1:]]))
