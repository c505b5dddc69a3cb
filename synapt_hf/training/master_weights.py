"""AdamW for a model whose parameters are bf16, updating fp32 master copies of them.

With ``--param-dtype bf16`` the model's parameters (and so its activations) are bf16 and no autocast runs:
every matrix product reads bf16 weights directly instead of casting fp32 weights each step. A bf16 weight
cannot take small updates (8 bits of mantissa: an update below 1/256 of the weight is lost), so
`MasterWeightAdamW` keeps an fp32 copy of every parameter and runs `torch.optim.AdamW` on those copies:
`step` turns the model's bf16 gradients into the copies' fp32 gradients, updates the copies (moments in
fp32) and rounds them into the model's parameters. The model's gradients are computed, clipped and
accumulated in bf16.

The copies are the trained weights: they are part of `state_dict` (``master_weights``, so a resumed run
continues from the fp32 values, not from the bf16 rounding saved with the model) and `write_masters`
puts them into the model as fp32 parameters for export, so the exported folder is a stock fp32 model.
Build the optimizer from the model's fp32 parameters, then cast the model (`cast_model`): the copies
start from the exact fp32 values.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch
from torch import nn

MASTER_KEY = "master_weights"
PARAM_DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16}


class MasterWeightAdamW(torch.optim.AdamW):
    """`torch.optim.AdamW` over fp32 copies of `params` (parameter groups as AdamW takes them); the model's
    own parameters get the rounded result after each `step` (see the module docstring)."""

    def __init__(self, params: Iterable[Any], **adamw_options: Any) -> None:
        groups = list(params)
        if groups and not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        self.model_parameters: list[nn.Parameter] = []
        master_groups = []
        for group in groups:
            parameters = list(group["params"])
            self.model_parameters.extend(parameters)
            masters = [p.detach().to(torch.float32, copy=True) for p in parameters]
            master_groups.append({**group, "params": masters})
        super().__init__(master_groups, **adamw_options)

    def masters(self) -> list[torch.Tensor]:
        """The fp32 copies, in the order of `model_parameters`."""
        return [master for group in self.param_groups for master in group["params"]]

    @torch.no_grad()
    def step(self, closure: Any = None) -> Any:
        if closure is not None:
            raise ValueError("MasterWeightAdamW does not take a closure")
        for parameter, master in zip(self.model_parameters, self.masters(), strict=True):
            if parameter.grad is None:
                master.grad = None
            elif master.grad is None:
                master.grad = parameter.grad.to(torch.float32)
            else:
                master.grad.copy_(parameter.grad)
        super().step()
        for parameter, master in zip(self.model_parameters, self.masters(), strict=True):
            parameter.copy_(master)
        return None

    def zero_grad(self, set_to_none: bool = True) -> None:
        super().zero_grad(set_to_none=set_to_none)
        for parameter in self.model_parameters:
            if parameter.grad is None:
                continue
            if set_to_none:
                parameter.grad = None
            else:
                parameter.grad.zero_()

    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        state[MASTER_KEY] = [master.detach().clone() for master in self.masters()]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        state_dict = dict(state_dict)
        saved = state_dict.pop(MASTER_KEY, None)
        super().load_state_dict(state_dict)
        masters = self.masters()
        with torch.no_grad():
            if saved is None:  # written by a plain AdamW: start from the model's current values
                saved = [parameter.detach() for parameter in self.model_parameters]
            if len(saved) != len(masters):
                raise ValueError(f"{MASTER_KEY}: {len(saved)} tensors for {len(masters)} parameters")
            for master, value in zip(masters, saved, strict=True):
                master.copy_(value)
            for parameter, master in zip(self.model_parameters, masters, strict=True):
                parameter.copy_(master)

    @torch.no_grad()
    def write_masters(self, model: nn.Module) -> nn.Module:
        """Make `model` fp32 (parameters and floating buffers) with the fp32 copies as its parameters;
        returns `model`. Its parameters are then the exact trained values, ready for saving."""
        model.to(torch.float32)
        for parameter, master in zip(self.model_parameters, self.masters(), strict=True):
            parameter.copy_(master)
        return model


def cast_model(model: nn.Module, param_dtype: str) -> nn.Module:
    """`model` with parameters and floating buffers in `param_dtype` (``fp32`` | ``bf16``); returns it."""
    return model.to(PARAM_DTYPES[param_dtype])
