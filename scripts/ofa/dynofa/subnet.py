"""Static sub-networks: extraction from the supernet, BN re-calibration and
BN folding."""
from __future__ import annotations

import copy
from collections import OrderedDict
from typing import Any, Iterable, List, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from .configs import SubnetArch, subnet_arch
from .supernet import ConvLayer, FirstBlock, OFAMobileNetV3, ResidualBlock, act_module, build_head


class SE(nn.Module):
    def __init__(self, ch: int, mid: int):
        super().__init__()
        self.fc = nn.Sequential(OrderedDict([
            ("reduce", nn.Conv2d(ch, mid, 1, bias=True)),
            ("relu", nn.ReLU()),
            ("expand", nn.Conv2d(mid, ch, 1, bias=True)),
            ("h_sigmoid", nn.Hardsigmoid()),
        ]))

    def forward(self, x):
        return x * self.fc(F.adaptive_avg_pool2d(x, 1))


class MBConv(nn.Module):
    def __init__(self, in_ch, mid, out, k, stride, act, se_mid):
        super().__init__()
        self.inverted_bottleneck = nn.Sequential(OrderedDict([
            ("conv", nn.Conv2d(in_ch, mid, 1, bias=False)),
            ("bn", nn.BatchNorm2d(mid)),
            ("act", act_module(act)),
        ]))
        dw = [("conv", nn.Conv2d(mid, mid, k, stride, k // 2, groups=mid, bias=False)),
              ("bn", nn.BatchNorm2d(mid)),
              ("act", act_module(act))]
        if se_mid:
            dw.append(("se", SE(mid, se_mid)))
        self.depth_conv = nn.Sequential(OrderedDict(dw))
        self.point_linear = nn.Sequential(OrderedDict([
            ("conv", nn.Conv2d(mid, out, 1, bias=False)),
            ("bn", nn.BatchNorm2d(out)),
        ]))

    def forward(self, x):
        return self.point_linear(self.depth_conv(self.inverted_bottleneck(x)))


class MobileNetV3Subnet(nn.Module):
    """A plain (non-elastic) MobileNetV3 for one sub-network config."""

    def __init__(self, arch: SubnetArch):
        super().__init__()
        spec = arch.spec
        self.arch = arch
        self.resolution = arch.config.r
        self.in_channels = spec.in_channels
        self.first_conv = ConvLayer(spec.in_channels, spec.stem_width, 3, spec.stem_stride, "h_swish")
        blocks = []
        for b in arch.blocks:
            if b.slot < 0:
                blocks.append(ResidualBlock(FirstBlock(b.in_ch, b.out, b.act), b.residual))
            else:
                blocks.append(ResidualBlock(MBConv(b.in_ch, b.mid, b.out, b.k, b.stride, b.act, b.se_mid),
                                            b.residual))
        self.blocks = nn.ModuleList(blocks)
        build_head(self, spec.stage_widths[-1], spec)

    def forward(self, x):
        x = self.first_conv(x)
        for blk in self.blocks:
            x = blk(x)
        x = self.final_expand_layer(x)
        x = F.adaptive_avg_pool2d(x, 1)
        x = self.feature_mix_layer(x)
        x = torch.flatten(x, 1)
        return self.classifier(x)


def _copy_bn(dst: nn.BatchNorm2d, src: nn.BatchNorm2d):
    c = dst.num_features
    dst.weight.data.copy_(src.weight.data[:c])
    dst.bias.data.copy_(src.bias.data[:c])
    dst.running_mean.data.copy_(src.running_mean.data[:c])
    dst.running_var.data.copy_(src.running_var.data[:c])
    dst.num_batches_tracked.data.copy_(src.num_batches_tracked.data)


@torch.no_grad()
def extract_subnet(supernet: OFAMobileNetV3, cfg: Any) -> MobileNetV3Subnet:
    """Build the static sub-network for ``cfg`` with sliced / kernel-transformed
    weights copied from the supernet (BN statistics copied as-is: re-calibrate
    them with :func:`recalibrate_bn`)."""
    arch = subnet_arch(supernet.spec, cfg)
    net = MobileNetV3Subnet(arch)
    net.first_conv.load_state_dict(supernet.first_conv.state_dict())
    net.blocks[0].load_state_dict(supernet.blocks[0].state_dict())
    for j, b in enumerate(arch.blocks[1:], start=1):
        src = supernet.blocks[1 + b.slot].conv
        dst = net.blocks[j].conv
        dst.inverted_bottleneck.conv.weight.copy_(src.inverted_bottleneck.conv.active_weight(b.mid, b.in_ch))
        _copy_bn(dst.inverted_bottleneck.bn, src.inverted_bottleneck.bn.bn)
        dst.depth_conv.conv.weight.copy_(src.depth_conv.conv.active_weight(b.mid, b.k))
        _copy_bn(dst.depth_conv.bn, src.depth_conv.bn.bn)
        if b.se:
            s, d = src.depth_conv.se.fc, dst.depth_conv.se.fc
            d.reduce.weight.copy_(s.reduce.weight[:b.se_mid, :b.mid])
            d.reduce.bias.copy_(s.reduce.bias[:b.se_mid])
            d.expand.weight.copy_(s.expand.weight[:b.mid, :b.se_mid])
            d.expand.bias.copy_(s.expand.bias[:b.mid])
        dst.point_linear.conv.weight.copy_(src.point_linear.conv.active_weight(b.out, b.mid))
        _copy_bn(dst.point_linear.bn, src.point_linear.bn.bn)
    net.final_expand_layer.load_state_dict(supernet.final_expand_layer.state_dict())
    net.feature_mix_layer.load_state_dict(supernet.feature_mix_layer.state_dict())
    net.classifier.load_state_dict(supernet.classifier.state_dict())
    net.train(supernet.training)
    return net


@torch.no_grad()
def recalibrate_bn(net: nn.Module, batches: Iterable[torch.Tensor], max_images: Optional[int] = None) -> int:
    """Re-estimate every BatchNorm's running statistics (OFA convention).

    Each batch is forwarded with batch statistics; per BN the running mean is
    the batch-size-weighted average of the batch means and the running var the
    batch-size-weighted average of the (biased) batch variances. Works on a
    static sub-network or on a supernet with an active config (only the active
    channels of active blocks are updated). Returns the number of images used."""
    from .supernet import DynamicBatchNorm2d

    targets = []  # (module whose input is hooked, the nn.BatchNorm2d holding stats)
    inner = set()
    for m in net.modules():
        if isinstance(m, DynamicBatchNorm2d):
            targets.append((m, m.bn))
            inner.add(id(m.bn))
    for m in net.modules():
        if isinstance(m, nn.BatchNorm2d) and id(m) not in inner:
            targets.append((m, m))
    if not targets:
        return 0
    acc = {}  # id(bn) -> [sum_mean, sum_var, n, channels]

    def make_hook(bn):
        def pre_hook(mod, inputs):
            x = inputs[0]
            n, c = x.size(0), x.size(1)
            mean = x.mean((0, 2, 3))
            var = ((x - mean.view(1, -1, 1, 1)) ** 2).mean((0, 2, 3))
            a = acc.setdefault(id(bn), [torch.zeros_like(bn.running_mean), torch.zeros_like(bn.running_var), 0, c])
            if a[3] != c:
                raise RuntimeError("recalibrate_bn: channel count changed between batches")
            a[0][:c] += mean * n
            a[1][:c] += var * n
            a[2] += n
        return pre_hook

    bns = [bn for _, bn in targets]
    was_training = net.training
    modes = [(m, m.training) for m in bns]
    net.eval()
    for m in bns:
        m.train()
    handles = [mod.register_forward_pre_hook(make_hook(bn)) for mod, bn in targets]
    used = 0
    try:
        for xb in batches:
            if max_images is not None and used >= max_images:
                break
            if max_images is not None and used + xb.size(0) > max_images:
                xb = xb[:max_images - used]
            net(xb)
            used += xb.size(0)
    finally:
        for h in handles:
            h.remove()
        net.train(was_training)
        for m, t in modes:
            m.train(t)
    if used == 0:
        raise ValueError("recalibrate_bn: no calibration images")
    for bn in bns:
        a = acc.get(id(bn))
        if a is None:
            continue  # BN of an inactive block (supernet)
        s_mean, s_var, n, c = a
        bn.running_mean[:c] = s_mean[:c] / n
        bn.running_var[:c] = s_var[:c] / n
    return used


@torch.no_grad()
def fold_bn(net: nn.Module) -> nn.Module:
    """Return a copy (eval mode) with every conv+BN pair folded into a conv with
    bias; the BN modules become Identity."""
    net = copy.deepcopy(net).eval()
    for mod in net.modules():
        if isinstance(mod, nn.Sequential) or isinstance(mod, ConvLayer):
            conv = getattr(mod, "conv", None) if not isinstance(mod, nn.Sequential) else mod._modules.get("conv")
            bn = getattr(mod, "bn", None) if not isinstance(mod, nn.Sequential) else mod._modules.get("bn")
            if isinstance(conv, nn.Conv2d) and isinstance(bn, nn.BatchNorm2d):
                scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
                new = nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride,
                                conv.padding, conv.dilation, conv.groups, bias=True)
                new.weight.copy_(conv.weight * scale.view(-1, 1, 1, 1))
                b = conv.bias if conv.bias is not None else torch.zeros_like(bn.running_mean)
                new.bias.copy_((b - bn.running_mean) * scale + bn.bias)
                if isinstance(mod, nn.Sequential):
                    mod._modules["conv"] = new
                    mod._modules["bn"] = nn.Identity()
                else:
                    mod.conv = new
                    mod.bn = nn.Identity()
    return net


def count_bn(net: nn.Module) -> int:
    return sum(1 for m in net.modules() if isinstance(m, nn.BatchNorm2d))
