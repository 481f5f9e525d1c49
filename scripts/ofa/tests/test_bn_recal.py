"""BN re-calibration (OFA convention) changes running stats and restores
accuracy."""
import random

import torch
import torch.nn as nn
import torch.nn.functional as F

from dynofa.configs import FASHION_SPEC, random_config
from dynofa.subnet import extract_subnet, recalibrate_bn
from dynofa.supernet import OFAMobileNetV3
from helpers import randomize


def toy_data(n, r, seed):
    """10 classes; class c = a bright blob at one of 10 positions + noise."""
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 10, (n,), generator=g)
    x = 0.3 * torch.randn(n, 1, r, r, generator=g)
    ys, xs = torch.meshgrid(torch.arange(r), torch.arange(r), indexing="ij")
    for c in range(10):
        cy, cx = (c // 5) * r // 2 + r // 4, (c % 5) * r // 5 + r // 10
        blob = torch.exp(-((ys - cy) ** 2 + (xs - cx) ** 2).float() / 4.0)
        x[y == c] += 2.0 * blob
    return x * 3.0 + 1.5, y  # off-centre, scaled: needs BN statistics


def accuracy(net, x, y):
    net.eval()
    with torch.no_grad():
        return (net(x).argmax(1) == y).float().mean().item()


def test_recalibration_matches_ofa_convention():
    sup = randomize(OFAMobileNetV3("fashion"), seed=0)
    cfg = random_config(sup.spec, random.Random(0), [20])
    net = extract_subnet(sup, cfg)
    x = torch.randn(30, 1, 20, 20)
    # expected stats of the first BN: batch-size-weighted means of batch means / biased vars
    with torch.no_grad():
        f = net.first_conv.conv(x)
    b1, b2 = f[:20], f[20:]
    m = (b1.mean((0, 2, 3)) * 20 + b2.mean((0, 2, 3)) * 10) / 30
    v = (b1.var((0, 2, 3), unbiased=False) * 20 + b2.var((0, 2, 3), unbiased=False) * 10) / 30
    before = net.first_conv.bn.running_mean.clone()
    used = recalibrate_bn(net, [x[:20], x[20:]])
    assert used == 30
    assert not torch.allclose(before, net.first_conv.bn.running_mean)
    assert torch.allclose(net.first_conv.bn.running_mean, m, atol=1e-5)
    assert torch.allclose(net.first_conv.bn.running_var, v, atol=1e-5)
    assert net.training  # mode restored (extracted from a supernet in train mode)


def test_recalibrating_supernet_equals_recalibrating_subnet():
    sup = randomize(OFAMobileNetV3("fashion"), seed=1)
    cfg = random_config(sup.spec, random.Random(1), [24])
    x = torch.randn(16, 1, 24, 24)
    net = extract_subnet(sup, cfg)
    recalibrate_bn(net, [x[:8], x[8:]])
    sup.set_active_subnet(cfg)
    recalibrate_bn(sup, [x[:8], x[8:]])
    net2 = extract_subnet(sup, cfg)
    for (k, a), (_, b) in zip(net.state_dict().items(), net2.state_dict().items()):
        if "running" in k:
            assert torch.allclose(a, b, atol=1e-5), k


def test_recalibration_improves_accuracy_on_toy_task():
    torch.manual_seed(0)
    r = 16
    sup = OFAMobileNetV3("fashion")
    sup.init_weights(torch.Generator().manual_seed(0))
    x, y = toy_data(1200, r, seed=0)
    xt, yt = toy_data(400, r, seed=1)
    cfg = random_config(sup.spec, random.Random(2), [r])
    sup.set_active_subnet(cfg)
    opt = torch.optim.Adam(sup.parameters(), lr=3e-3)
    sup.train()
    for step in range(60):
        i = torch.randint(0, len(x), (64,))
        loss = F.cross_entropy(sup(x[i]), y[i])
        opt.zero_grad()
        loss.backward()
        opt.step()
    net = extract_subnet(sup, cfg)
    good = accuracy(net, xt, yt)
    assert good > 0.5
    # stats that do not belong to this sub-network (as after weight sharing)
    for m in net.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.reset_running_stats()
    broken = accuracy(net, xt, yt)
    before = [m.running_var.clone() for m in net.modules() if isinstance(m, nn.BatchNorm2d)]
    recalibrate_bn(net, torch.split(x[:600], 100))
    after = [m.running_var for m in net.modules() if isinstance(m, nn.BatchNorm2d)]
    assert all(not torch.allclose(a, b) for a, b in zip(before, after))
    fixed = accuracy(net, xt, yt)
    assert fixed > broken + 0.2, (broken, fixed, good)
    assert fixed > good - 0.1
