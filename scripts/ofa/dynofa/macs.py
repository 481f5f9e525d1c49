"""Analytic MACs and parameter counts of sub-networks.

Convention (OFA profile, as in dynamic_ofa_subnets.json ``derived_field_notes``):
- MACs: every conv (Cin/groups * k * k * Hout * Wout * Cout), the SE 1x1 convs
  (on the 1x1 pooled map), final expand, feature mix and the classifier;
  BN, activations, pooling, residual adds and the SE multiply are not counted.
- params: conv / SE / linear weights and biases + BN affine (2 per channel);
  BN running statistics are not counted.
"""
from __future__ import annotations

from typing import Any, Dict

from .configs import SubnetArch, SupernetSpec, get_spec, subnet_arch


def _conv(cin, cout, k, hw_out, groups=1, bias=False, bn=True):
    macs = cin // groups * k * k * hw_out * hw_out * cout
    params = cin // groups * k * k * cout + (cout if bias else 0) + (2 * cout if bn else 0)
    return macs, params


def arch_cost(arch: SubnetArch) -> Dict[str, int]:
    spec = arch.spec
    r = arch.config.r
    macs = params = 0

    def add(mp):
        nonlocal macs, params
        macs += mp[0]
        params += mp[1]

    add(_conv(spec.in_channels, spec.stem_width, 3, arch.stem_out_hw))
    for b in arch.blocks:
        if b.slot >= 0:
            add(_conv(b.in_ch, b.mid, 1, b.in_hw))
        add(_conv(b.mid, b.mid, b.k, b.out_hw, groups=b.mid))
        if b.se:
            add(_conv(b.mid, b.se_mid, 1, 1, bias=True, bn=False))
            add(_conv(b.se_mid, b.mid, 1, 1, bias=True, bn=False))
        add(_conv(b.mid, b.out, 1, b.out_hw))
    add(_conv(spec.stage_widths[-1], spec.final_expand_width, 1, arch.final_hw))
    add(_conv(spec.final_expand_width, spec.last_channel, 1, 1, bn=False))
    macs += spec.last_channel * spec.n_classes
    params += spec.last_channel * spec.n_classes + spec.n_classes
    return {"macs": int(macs), "params": int(params)}


def subnet_cost(spec: Any, cfg: Any) -> Dict[str, int]:
    spec = get_spec(spec)
    return arch_cost(subnet_arch(spec, cfg))


def count_module_params(module) -> int:
    """Parameters of a torch module as counted here (weights+biases+BN affine)."""
    return sum(p.numel() for p in module.parameters())
