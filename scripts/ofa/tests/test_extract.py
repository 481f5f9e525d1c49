"""Sub-network extraction: the static network equals the supernet run with the
same config active; kernel transformation; BN folding."""
import random

import pytest
import torch
import torch.nn.functional as F

from dynofa.configs import FASHION_SPEC, OFA_MBV3_W10, max_config, min_config, random_config
from dynofa.subnet import count_bn, extract_subnet, fold_bn
from dynofa.supernet import OFAMobileNetV3
from helpers import randomize


@pytest.mark.parametrize("spec,res", [("fashion", (16, 20, 24, 28)), ("w1.0", (64, 96)), ("w1.2", (64,))])
def test_extracted_equals_supernet(spec, res):
    sup = randomize(OFAMobileNetV3(spec), seed=1).eval()
    rng = random.Random(3)
    cfgs = [random_config(sup.spec, rng, res) for _ in range(3)]
    cfgs += [min_config(sup.spec, res[0]), max_config(sup.spec, res[-1])]
    for cfg in cfgs:
        sup.set_active_subnet(cfg)
        x = torch.randn(2, sup.spec.in_channels, cfg.r, cfg.r, generator=torch.Generator().manual_seed(5))
        with torch.no_grad():
            ref = sup(x)
            net = extract_subnet(sup, cfg).eval()
            out = net(x)
        assert torch.allclose(ref, out, atol=1e-5, rtol=1e-4), (cfg, (ref - out).abs().max())
        assert ref.abs().max() > 1e-3  # not a degenerate net


def test_kernel_transform_identity_is_centre_crop():
    sup = OFAMobileNetV3("fashion")
    dw = sup.blocks[1].conv.depth_conv.conv
    w = dw.conv.weight
    assert torch.equal(dw.active_weight(8, 5), w[:8, :, 1:6, 1:6])
    assert torch.equal(dw.active_weight(8, 3), w[:8, :, 2:5, 2:5])
    assert torch.equal(dw.active_weight(8, 7), w[:8])


def test_kernel_transform_chain():
    sup = randomize(OFAMobileNetV3("fashion"), seed=2)
    dw = sup.blocks[3].conv.depth_conv.conv
    w = dw.conv.weight.detach()
    m75 = getattr(dw, "7to5_matrix").detach()
    m53 = getattr(dw, "5to3_matrix").detach()
    c = w.shape[0]
    k5 = (w[:, :, 1:6, 1:6].reshape(c, 25) @ m75.t()).reshape(c, 1, 5, 5)
    k3 = (k5[:, :, 1:4, 1:4].reshape(c, 9) @ m53.t()).reshape(c, 1, 3, 3)
    assert torch.allclose(dw.active_weight(c, 5), k5, atol=1e-6)
    assert torch.allclose(dw.active_weight(c, 3), k3, atol=1e-6)


def test_depth_and_expand_select_blocks_and_channels():
    sup = OFAMobileNetV3("fashion")
    cfg = min_config(sup.spec, 16)
    net = extract_subnet(sup, cfg)
    assert len(net.blocks) == 1 + 2 * 5
    b = net.blocks[1].conv
    assert b.inverted_bottleneck.conv.weight.shape[0] == 48  # 16 * 3
    assert torch.equal(b.inverted_bottleneck.conv.weight,
                       sup.blocks[1].conv.inverted_bottleneck.conv.conv.weight[:48, :16])


def test_fold_bn_equivalent():
    sup = randomize(OFAMobileNetV3(OFA_MBV3_W10), seed=4).eval()
    cfg = random_config(sup.spec, random.Random(0), [96])
    net = extract_subnet(sup, cfg).eval()
    folded = fold_bn(net)
    assert count_bn(folded) == 0 and count_bn(net) > 0
    x = torch.randn(2, 3, 96, 96)
    with torch.no_grad():
        assert torch.allclose(net(x), folded(x), atol=1e-4, rtol=1e-4)
