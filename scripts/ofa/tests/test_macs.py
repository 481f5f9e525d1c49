"""Analytic MACs/params of the Dynamic-OFA reference levels (w1.2) equal the
derived values in ../shared/reference/dynamic-ofa/dynamic_ofa_subnets.json
(same counting convention, see its derived_field_notes) within 0.5 %."""
import json

import pytest

from conftest import shared_reference_dir
from dynofa.configs import OFA_MBV3_W12, subnet_arch
from dynofa.macs import count_module_params, subnet_cost


def _reference():
    ref = shared_reference_dir()
    if ref is None:
        pytest.skip("../shared/reference/dynamic-ofa not present beside the clone "
                    "(set DYNOFA_SHARED_REFERENCE to run this check)")
    with open(ref / "dynamic-ofa" / "dynamic_ofa_subnets.json") as f:
        return json.load(f)


def _levels():
    data = _reference()
    out = []
    for set_name, s in data["sets"].items():
        for lvl in s["levels"]:
            out.append((set_name, lvl))
    return out


def test_reference_levels_macs_params():
    levels = _levels()
    assert len(levels) >= 6
    for set_name, lvl in levels:
        cost = subnet_cost("w1.2", lvl["config"])
        d = lvl["derived"]
        macs_ref = d["macs_M_analytic_w1.2"] * 1e6
        params_ref = d["params_M_analytic_w1.2"] * 1e6
        assert abs(cost["macs"] - macs_ref) / macs_ref < 0.005, (set_name, lvl["level"], cost, macs_ref)
        assert abs(cost["params"] - params_ref) / params_ref < 0.005, (set_name, lvl["level"], cost, params_ref)


def test_reference_active_blocks():
    for set_name, lvl in _levels():
        arch = subnet_arch(OFA_MBV3_W12, lvl["config"])
        ref_blocks = lvl["derived"]["active_blocks"]
        got = arch.blocks[1:]
        assert len(got) == len(ref_blocks) == lvl["derived"]["n_active_blocks"]
        for b, r in zip(got, ref_blocks):
            assert (b.slot, b.k, b.e, b.stride, b.in_ch, b.mid, b.out, b.se, b.residual, b.out_hw, b.act) == \
                (r["slot"], r["k"], r["e"], r["stride"], r["in"], r["mid"], r["out"], r["se"], r["residual"],
                 r["out_hw"], r["act"]), (set_name, lvl["level"], r)
            assert b.se_mid == (r["se_mid"] or 0)


def test_params_equal_module_parameter_count():
    # analytic params == parameters of the extracted (unfolded) module
    import random
    import torch
    from dynofa.configs import random_config
    from dynofa.subnet import MobileNetV3Subnet
    rng = random.Random(1)
    for spec_name in ("w1.0", "fashion"):
        from dynofa.configs import get_spec
        spec = get_spec(spec_name)
        for _ in range(3):
            cfg = random_config(spec, rng)
            net = MobileNetV3Subnet(subnet_arch(spec, cfg))
            assert count_module_params(net) == subnet_cost(spec, cfg)["params"]


def test_macs_match_hooked_count():
    # analytic MACs == MACs counted from the real module's conv/linear output shapes
    import random
    import torch
    import torch.nn as nn
    from dynofa.configs import FASHION_SPEC, random_config
    from dynofa.subnet import MobileNetV3Subnet
    total = [0]

    def hook(m, i, o):
        if isinstance(m, nn.Conv2d):
            total[0] += m.in_channels // m.groups * m.kernel_size[0] * m.kernel_size[1] * o.numel()
        else:
            total[0] += m.in_features * m.out_features
    rng = random.Random(2)
    for _ in range(3):
        cfg = random_config(FASHION_SPEC, rng)
        net = MobileNetV3Subnet(subnet_arch(FASHION_SPEC, cfg)).eval()
        hs = [m.register_forward_hook(hook) for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
        total[0] = 0
        with torch.no_grad():
            net(torch.zeros(1, 1, cfg.r, cfg.r))
        for h in hs:
            h.remove()
        assert total[0] == subnet_cost(FASHION_SPEC, cfg)["macs"]
