"""Pretrain a video model: ``accelerate launch scripts/pretrain.py [options]`` (``--help`` lists them).

With no options it pretrains ``videomae-tiny`` (supervised) on clips from the built-in generator,
evaluates on held-out generated clips, saves a stock transformers folder and prints how to fine-tune it.
All logic lives in ``synapt_hf.training``; this file only calls it.
"""

import sys

from synapt_hf.training.entry import main

if __name__ == "__main__":
    sys.exit(main("pretrain"))
