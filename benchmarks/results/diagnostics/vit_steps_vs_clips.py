"""Diagnostic: does videomae-tiny learn 10 generated actions from a fixed set of 1,000 clips given more steps?

Usage: python benchmarks/results/diagnostics/vit_steps_vs_clips.py default 3000   (variant: default | still)
Renders 1,000 train / 200 held-out clips (8 x 64 px) in memory, trains with AdamW + one-cycle LR, batch 16.
"""

import sys
import time

import torch
from torch import nn
from transformers import VideoMAEConfig, VideoMAEForVideoClassification

from synapt_hf.synth.clips import render_clips
from synapt_hf.synth.config import GeneratorConfig

torch.manual_seed(0)
torch.set_num_threads(2)
variant = sys.argv[1]
steps = int(sys.argv[2])
kw = dict(frames=8, size=64, seed=3)
if variant == "still":
    kw.update(camera_motion=False)
cfg = GeneratorConfig.create(10, **kw)
t = time.time()
xtr, str_ = render_clips(cfg, range(10 * 100), "train", batch_size=100)
xva, sva = render_clips(cfg, range(10 * 20), "validation", batch_size=100)
print("render", time.time() - t, xtr.shape, flush=True)


def prep(x):
    x = x.float().permute(0, 1, 4, 2, 3) / 255.0
    return (x - 0.45) / 0.225


xtr, xva = prep(xtr), prep(xva)
ytr = torch.tensor([s.label for s in str_])
yva = torch.tensor([s.label for s in sva])
conf = VideoMAEConfig(
    image_size=64,
    patch_size=16,
    num_frames=8,
    tubelet_size=2,
    hidden_size=128,
    num_hidden_layers=4,
    num_attention_heads=4,
    intermediate_size=512,
    num_labels=10,
    use_mean_pooling=True,
)
model = VideoMAEForVideoClassification(conf)
opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)
sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=1e-3, total_steps=steps, pct_start=0.1)
g = torch.Generator().manual_seed(0)
for step in range(steps):
    b = torch.randint(0, len(ytr), (16,), generator=g)
    xb = xtr[b]
    if True:  # flip
        flip = torch.rand(16, generator=g) < 0.5
        xb = torch.where(flip[:, None, None, None, None], xb.flip(-1), xb)
    loss = nn.functional.cross_entropy(model(pixel_values=xb).logits, ytr[b])
    opt.zero_grad()
    loss.backward()
    opt.step()
    sched.step()
    if step % 100 == 0 or step == steps - 1:
        model.eval()
        with torch.no_grad():
            acc = (model(pixel_values=xva).logits.argmax(1) == yva).float().mean().item()
        model.train()
        print(variant, step, round(loss.item(), 3), "val", round(acc, 3), round(time.time() - t), flush=True)
