"""Elastic OFA-MobileNetV3 supernet (kernel 3/5/7, expand 3/4/6, depth 2/3/4).

Written for this project from the architecture facts; the module tree is laid
out so that ``state_dict()`` keys and shapes equal those of the published OFA
checkpoints (``ofa_mbv3_d234_e346_k357_w1.0`` / ``w1.2``), e.g.

    first_conv.conv.weight, first_conv.bn.{weight,bias,running_mean,...}
    blocks.0.conv.depth_conv.conv.weight           (fixed first block)
    blocks.N.conv.inverted_bottleneck.conv.conv.weight
    blocks.N.conv.depth_conv.conv.conv.weight       (7x7 depthwise, max mid)
    blocks.N.conv.depth_conv.conv.7to5_matrix / 5to3_matrix
    blocks.N.conv.depth_conv.se.fc.{reduce,expand}.{weight,bias}
    blocks.N.conv.point_linear.bn.bn.running_var
    final_expand_layer.conv.weight, feature_mix_layer.conv.weight,
    classifier.linear.{weight,bias}

Older checkpoints name ``blocks.N.mobile_inverted_conv.*``; ``load_ofa_state_dict``
maps them.
"""
from __future__ import annotations

import re
from collections import OrderedDict
from typing import Any, Dict, List, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from .configs import (CheckpointError, SubnetConfig, SupernetSpec, get_spec, make_divisible,
                      max_config, SE_REDUCTION, validate_config)


def act_module(name: str) -> nn.Module:
    if name == "relu":
        return nn.ReLU()
    if name == "h_swish":
        return nn.Hardswish()
    raise ValueError(f"unknown activation {name!r}")


def sub_filter_range(kmax: int, k: int):
    start = (kmax - k) // 2
    return start, start + k


# --------------------------------------------------------------------------
# Dynamic primitives
# --------------------------------------------------------------------------
class DynamicConv2d(nn.Module):
    """1x1 conv whose first out/in channels are used."""

    def __init__(self, max_in: int, max_out: int):
        super().__init__()
        self.conv = nn.Conv2d(max_in, max_out, 1, bias=False)

    def active_weight(self, out_ch: int, in_ch: int) -> torch.Tensor:
        return self.conv.weight[:out_ch, :in_ch]

    def forward(self, x: torch.Tensor, out_ch: int) -> torch.Tensor:
        return F.conv2d(x, self.active_weight(out_ch, x.size(1)).contiguous())


class DynamicDepthwiseConv2d(nn.Module):
    """Depthwise conv stored at the max kernel; smaller kernels come from the
    centre crop multiplied by the learnt kernel transformation matrices
    (``7to5_matrix`` 25x25, ``5to3_matrix`` 9x9, identity-initialised)."""

    def __init__(self, max_ch: int, ks_list, stride: int):
        super().__init__()
        self.ks_list = sorted(set(ks_list))
        self.stride = stride
        kmax = self.ks_list[-1]
        self.conv = nn.Conv2d(max_ch, max_ch, kmax, stride, groups=max_ch, bias=False)
        for big, small in zip(self.ks_list[:0:-1], self.ks_list[-2::-1]):
            self.register_parameter(f"{big}to{small}_matrix", nn.Parameter(torch.eye(small * small)))

    def active_weight(self, ch: int, k: int) -> torch.Tensor:
        w = self.conv.weight[:ch]
        kmax = self.ks_list[-1]
        if k == kmax:
            return w
        cur = w
        cur_k = kmax
        for big, small in zip(self.ks_list[:0:-1], self.ks_list[-2::-1]):
            if big <= k:
                break
            a, b = sub_filter_range(big, small)
            crop = cur[:, :, a:b, a:b].reshape(-1, small * small)
            m = getattr(self, f"{big}to{small}_matrix")
            cur = F.linear(crop, m).reshape(ch, 1, small, small)
            cur_k = small
        assert cur_k == k, (cur_k, k)
        return cur

    def forward(self, x: torch.Tensor, k: int) -> torch.Tensor:
        w = self.active_weight(x.size(1), k).contiguous()
        return F.conv2d(x, w, None, self.stride, k // 2, 1, x.size(1))


class DynamicBatchNorm2d(nn.Module):
    def __init__(self, max_ch: int):
        super().__init__()
        self.bn = nn.BatchNorm2d(max_ch)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        c = x.size(1)
        bn = self.bn
        if c == bn.num_features:
            return bn(x)
        factor = 0.0
        if bn.training and bn.track_running_stats:
            bn.num_batches_tracked += 1
            factor = bn.momentum if bn.momentum is not None else 1.0 / float(bn.num_batches_tracked)
        return F.batch_norm(x, bn.running_mean[:c], bn.running_var[:c], bn.weight[:c], bn.bias[:c],
                            bn.training or not bn.track_running_stats, factor, bn.eps)


class DynamicSE(nn.Module):
    def __init__(self, max_ch: int):
        super().__init__()
        mid = make_divisible(max_ch // SE_REDUCTION)
        self.fc = nn.Sequential(OrderedDict([
            ("reduce", nn.Conv2d(max_ch, mid, 1, bias=True)),
            ("relu", nn.ReLU()),
            ("expand", nn.Conv2d(mid, max_ch, 1, bias=True)),
            ("h_sigmoid", nn.Hardsigmoid()),
        ]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        c = x.size(1)
        m = make_divisible(c // SE_REDUCTION)
        y = x.mean((2, 3), keepdim=True)
        y = F.conv2d(y, self.fc.reduce.weight[:m, :c].contiguous(), self.fc.reduce.bias[:m])
        y = F.relu(y)
        y = F.conv2d(y, self.fc.expand.weight[:c, :m].contiguous(), self.fc.expand.bias[:c])
        return x * F.hardsigmoid(y)


class DynamicMBConv(nn.Module):
    def __init__(self, in_ch: int, out_ch: int, ks_list, expand_list, stride: int, act: str, se: bool):
        super().__init__()
        self.in_ch, self.out_ch, self.stride, self.act, self.use_se = in_ch, out_ch, stride, act, se
        self.max_mid = make_divisible(round(in_ch * max(expand_list)))
        self.inverted_bottleneck = nn.Sequential(OrderedDict([
            ("conv", DynamicConv2d(in_ch, self.max_mid)),
            ("bn", DynamicBatchNorm2d(self.max_mid)),
            ("act", act_module(act)),
        ]))
        dw = [("conv", DynamicDepthwiseConv2d(self.max_mid, ks_list, stride)),
              ("bn", DynamicBatchNorm2d(self.max_mid)),
              ("act", act_module(act))]
        if se:
            dw.append(("se", DynamicSE(self.max_mid)))
        self.depth_conv = nn.Sequential(OrderedDict(dw))
        self.point_linear = nn.Sequential(OrderedDict([
            ("conv", DynamicConv2d(self.max_mid, out_ch)),
            ("bn", DynamicBatchNorm2d(out_ch)),
        ]))
        self.active_k = max(ks_list)
        self.active_e = max(expand_list)

    def active_mid(self) -> int:
        return make_divisible(round(self.in_ch * self.active_e))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mid = self.active_mid()
        ib = self.inverted_bottleneck
        x = ib.act(ib.bn(ib.conv(x, mid)))
        dc = self.depth_conv
        x = dc.act(dc.bn(dc.conv(x, self.active_k)))
        if self.use_se:
            x = dc.se(x)
        pl = self.point_linear
        return pl.bn(pl.conv(x, self.out_ch))


class ResidualBlock(nn.Module):
    def __init__(self, conv: nn.Module, residual: bool):
        super().__init__()
        self.conv = conv
        self.residual = residual

    def forward(self, x):
        y = self.conv(x)
        return y + x if self.residual else y


# ---- static layers (also used by the extracted sub-network) ---------------
class ConvLayer(nn.Module):
    def __init__(self, cin, cout, k=1, stride=1, act: Optional[str] = None, use_bn=True, bias=False,
                 groups=1):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=bias)
        self.bn = nn.BatchNorm2d(cout) if use_bn else nn.Identity()
        self.act = act_module(act) if act else nn.Identity()

    def forward(self, x):
        return self.act(self.bn(self.conv(x)))


class LinearLayer(nn.Module):
    def __init__(self, cin, cout, dropout=0.0):
        super().__init__()
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.linear = nn.Linear(cin, cout, bias=True)

    def forward(self, x):
        return self.linear(self.dropout(x))


class FirstBlock(nn.Module):
    """Fixed MBConv with expand 1: depthwise 3x3 + BN + act, then 1x1 + BN."""

    def __init__(self, cin, cout, act):
        super().__init__()
        self.depth_conv = nn.Sequential(OrderedDict([
            ("conv", nn.Conv2d(cin, cin, 3, 1, 1, groups=cin, bias=False)),
            ("bn", nn.BatchNorm2d(cin)),
            ("act", act_module(act)),
        ]))
        self.point_linear = nn.Sequential(OrderedDict([
            ("conv", nn.Conv2d(cin, cout, 1, bias=False)),
            ("bn", nn.BatchNorm2d(cout)),
        ]))

    def forward(self, x):
        return self.point_linear(self.depth_conv(x))


# --------------------------------------------------------------------------
def build_head(net: nn.Module, in_ch: int, spec: SupernetSpec) -> None:
    """The layers after the blocks (same names as the checkpoints), then the spec's BN settings on every BN of
    `net`; shared by the supernet and the extracted sub-networks."""
    net.final_expand_layer = ConvLayer(in_ch, spec.final_expand_width, 1, 1, "h_swish")
    net.feature_mix_layer = ConvLayer(spec.final_expand_width, spec.last_channel, 1, 1, "h_swish", use_bn=False)
    net.classifier = LinearLayer(spec.last_channel, spec.n_classes, spec.dropout)
    for m in net.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.momentum, m.eps = spec.bn_momentum, spec.bn_eps


class OFAMobileNetV3(nn.Module):
    """Elastic supernet. ``set_active_subnet(cfg)`` selects a sub-network; the
    forward then runs exactly that sub-network (at the input's resolution)."""

    def __init__(self, spec: Any = "w1.2"):
        super().__init__()
        spec = get_spec(spec)
        spec.check()
        self.spec = spec
        self.first_conv = ConvLayer(spec.in_channels, spec.stem_width, 3, spec.stem_stride, "h_swish")
        blocks: List[nn.Module] = [ResidualBlock(
            FirstBlock(spec.stem_width, spec.first_block_width, spec.first_block_act),
            spec.stem_width == spec.first_block_width)]
        in_ch = spec.first_block_width
        self.block_groups: List[List[int]] = []
        idx = 1
        for s in range(spec.n_stages):
            out = spec.stage_widths[s]
            group = []
            for p in range(spec.max_depth):
                stride = spec.stage_strides[s] if p == 0 else 1
                mb = DynamicMBConv(in_ch, out, spec.ks_list, spec.expand_list, stride,
                                   spec.stage_acts[s], spec.stage_se[s])
                blocks.append(ResidualBlock(mb, stride == 1 and in_ch == out))
                group.append(idx)
                idx += 1
                in_ch = out
            self.block_groups.append(group)
        self.blocks = nn.ModuleList(blocks)
        build_head(self, in_ch, spec)
        self.runtime_depth = [spec.max_depth] * spec.n_stages
        self.active_config: SubnetConfig = max_config(spec)

    # ---- sub-network selection -----------------------------------------
    def set_active_subnet(self, cfg: Any) -> SubnetConfig:
        cfg = validate_config(cfg, self.spec)
        for i, blk in enumerate(self.blocks[1:]):
            blk.conv.active_k = cfg.ks[i]
            blk.conv.active_e = cfg.e[i]
        self.runtime_depth = list(cfg.d)
        self.active_config = cfg
        return cfg

    def set_max_net(self):
        return self.set_active_subnet(max_config(self.spec))

    def init_weights(self, generator: Optional[torch.Generator] = None) -> None:
        """Deterministic init (He for convs, unit BN, small linear)."""
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                fan_out = m.kernel_size[0] * m.kernel_size[1] * m.out_channels // m.groups
                with torch.no_grad():
                    m.weight.normal_(0, (2.0 / fan_out) ** 0.5, generator=generator)
                    if m.bias is not None:
                        m.bias.zero_()
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                with torch.no_grad():
                    bound = 1.0 / m.weight.size(1) ** 0.5
                    m.weight.uniform_(-bound, bound, generator=generator)
                    m.bias.zero_()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.first_conv(x)
        x = self.blocks[0](x)
        for s, group in enumerate(self.block_groups):
            for idx in group[:self.runtime_depth[s]]:
                x = self.blocks[idx](x)
        x = self.final_expand_layer(x)
        x = x.mean((2, 3), keepdim=True)
        x = self.feature_mix_layer(x)
        x = torch.flatten(x, 1)
        return self.classifier(x)


# --------------------------------------------------------------------------
# Checkpoint loading
# --------------------------------------------------------------------------
def normalize_ofa_keys(state_dict: Dict[str, torch.Tensor], model: nn.Module) -> "OrderedDict[str, torch.Tensor]":
    """Map key variants found in OFA checkpoints onto this model's keys:
    ``.mobile_inverted_conv.`` -> ``.conv.``, and the dynamic wrappers' doubled
    names (``.bn.bn.``, ``.conv.conv.weight``, ``.linear.linear.``) either way."""
    own = model.state_dict()
    out: "OrderedDict[str, torch.Tensor]" = OrderedDict()
    for key, val in state_dict.items():
        k = key
        if k.startswith("module."):
            k = k[len("module."):]
        k = k.replace(".mobile_inverted_conv.", ".conv.")
        if k not in own:
            for a, b in ((".bn.bn.", ".bn."), (".conv.conv.weight", ".conv.weight"),
                         (".linear.linear.", ".linear.")):
                if a in k and k.replace(a, b) in own:
                    k = k.replace(a, b)
                    break
                if b in k and k.replace(b, a) in own:
                    k = k.replace(b, a)
                    break
        out[k] = val
    return out


def load_ofa_state_dict(model: OFAMobileNetV3, ckpt: Any, strict: bool = True) -> None:
    """Load an OFA checkpoint (a state_dict or ``{"state_dict": ...}``) with
    strict key and shape checking and clear errors for a wrong width."""
    if isinstance(ckpt, str):
        ckpt = torch.load(ckpt, map_location="cpu")
    if isinstance(ckpt, dict) and "state_dict" in ckpt and isinstance(ckpt["state_dict"], dict):
        ckpt = ckpt["state_dict"]
    if not isinstance(ckpt, dict):
        raise CheckpointError("checkpoint must be a state_dict or a dict with a 'state_dict' entry")
    sd = normalize_ofa_keys(ckpt, model)
    own = model.state_dict()
    # older checkpoints may lack num_batches_tracked
    for k, v in own.items():
        if k.endswith("num_batches_tracked") and k not in sd:
            sd[k] = v.clone()
    missing = [k for k in own if k not in sd]
    unexpected = [k for k in sd if k not in own]
    mism = [(k, tuple(sd[k].shape), tuple(own[k].shape)) for k in own if k in sd and sd[k].shape != own[k].shape]
    if mism:
        k, got, want = mism[0]
        hint = ""
        if "first_conv.conv.weight" in sd:
            stem = sd["first_conv.conv.weight"].shape[0]
            hint = (f" (checkpoint stem has {stem} channels, this supernet "
                    f"'{model.spec.name}' expects {model.spec.stem_width}: wrong width multiplier?)")
        raise CheckpointError(f"checkpoint does not fit supernet '{model.spec.name}': {len(mism)} tensors "
                              f"have the wrong shape, e.g. {k}: checkpoint {got} vs model {want}{hint}")
    if strict and (missing or unexpected):
        raise CheckpointError(f"checkpoint does not fit supernet '{model.spec.name}': "
                              f"{len(missing)} missing keys (e.g. {missing[:3]}), "
                              f"{len(unexpected)} unexpected keys (e.g. {unexpected[:3]})")
    model.load_state_dict(sd, strict=strict)


def detect_width_mult(state_dict: Dict[str, torch.Tensor]) -> Optional[float]:
    sd = state_dict.get("state_dict", state_dict)
    w = sd.get("first_conv.conv.weight")
    if w is None:
        return None
    return {16: 1.0, 24: 1.2}.get(int(w.shape[0]))
