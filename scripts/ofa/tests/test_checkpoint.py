"""Checkpoint-shaped state_dicts of the published OFA supernets load strictly.

The expected key/shape list is written out here from the architecture facts
(independently of dynofa's module code): OFA-MobileNetV3 with width rule
make_divisible(w * mult, 8), kernel 7 depthwise storage with 7to5/5to3
matrices, max expand 6, SE (reduction 4) in stages 2, 4, 5."""
import pytest
import torch

from dynofa.configs import CheckpointError
from dynofa.supernet import OFAMobileNetV3, detect_width_mult, load_ofa_state_dict


def _mdiv(v, d=8):
    n = max(d, int(v + d / 2) // d * d)
    return n + d if n < 0.9 * v else n


def expected_ofa_keys(mult, old_names=True):
    """key -> shape of ofa_mbv3_d234_e346_k357_w{mult} as published."""
    w = [_mdiv(b * mult) for b in (16, 16, 24, 40, 80, 112, 160, 960, 1280)]
    se_stage = [False, True, False, True, True]
    blk = "mobile_inverted_conv" if old_names else "conv"
    keys = {}

    def bn(prefix, c):
        for k in ("weight", "bias", "running_mean", "running_var"):
            keys[f"{prefix}.{k}"] = (c,)
        keys[f"{prefix}.num_batches_tracked"] = ()

    keys["first_conv.conv.weight"] = (w[0], 3, 3, 3)
    bn("first_conv.bn", w[0])
    keys[f"blocks.0.{blk}.depth_conv.conv.weight"] = (w[0], 1, 3, 3)
    bn(f"blocks.0.{blk}.depth_conv.bn", w[0])
    keys[f"blocks.0.{blk}.point_linear.conv.weight"] = (w[1], w[0], 1, 1)
    bn(f"blocks.0.{blk}.point_linear.bn", w[1])
    cin = w[1]
    i = 1
    for s in range(5):
        cout = w[2 + s]
        for _ in range(4):
            mid = _mdiv(round(cin * 6))
            p = f"blocks.{i}.{blk}"
            keys[f"{p}.inverted_bottleneck.conv.conv.weight"] = (mid, cin, 1, 1)
            bn(f"{p}.inverted_bottleneck.bn.bn", mid)
            keys[f"{p}.depth_conv.conv.conv.weight"] = (mid, 1, 7, 7)
            keys[f"{p}.depth_conv.conv.7to5_matrix"] = (25, 25)
            keys[f"{p}.depth_conv.conv.5to3_matrix"] = (9, 9)
            bn(f"{p}.depth_conv.bn.bn", mid)
            if se_stage[s]:
                sm = _mdiv(mid // 4)
                keys[f"{p}.depth_conv.se.fc.reduce.weight"] = (sm, mid, 1, 1)
                keys[f"{p}.depth_conv.se.fc.reduce.bias"] = (sm,)
                keys[f"{p}.depth_conv.se.fc.expand.weight"] = (mid, sm, 1, 1)
                keys[f"{p}.depth_conv.se.fc.expand.bias"] = (mid,)
            keys[f"{p}.point_linear.conv.conv.weight"] = (cout, mid, 1, 1)
            bn(f"{p}.point_linear.bn.bn", cout)
            cin = cout
            i += 1
    keys["final_expand_layer.conv.weight"] = (w[7], cin, 1, 1)
    bn("final_expand_layer.bn", w[7])
    keys["feature_mix_layer.conv.weight"] = (w[8], w[7], 1, 1)
    keys["classifier.linear.weight"] = (1000, w[8])
    keys["classifier.linear.bias"] = (1000,)
    return keys


def fake_checkpoint(mult, old_names=True, seed=0):
    g = torch.Generator().manual_seed(seed)
    sd = {}
    for k, shape in expected_ofa_keys(mult, old_names).items():
        if k.endswith("num_batches_tracked"):
            sd[k] = torch.tensor(7, dtype=torch.long)
        else:
            sd[k] = torch.rand(shape, generator=g)
    return {"state_dict": sd}


@pytest.mark.parametrize("mult,name", [(1.0, "w1.0"), (1.2, "w1.2")])
def test_state_dict_keys_and_shapes_match_published_checkpoint(mult, name):
    model = OFAMobileNetV3(name)
    exp = expected_ofa_keys(mult, old_names=False)
    got = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    assert got == exp


@pytest.mark.parametrize("mult,name,params_m", [(1.0, "w1.0", 7.68), (1.2, "w1.2", 10.72)])
@pytest.mark.parametrize("old_names", [True, False])
def test_checkpoint_loads_strictly(tmp_path, mult, name, params_m, old_names):
    ck = fake_checkpoint(mult, old_names)
    path = tmp_path / "ckpt.pth.tar"
    torch.save(ck, path)
    model = OFAMobileNetV3(name)
    load_ofa_state_dict(model, str(path), strict=True)
    sd = model.state_dict()
    for k, v in ck["state_dict"].items():
        k2 = k.replace(".mobile_inverted_conv.", ".conv.")
        assert torch.equal(sd[k2], v), k
    n = sum(p.numel() for p in model.parameters())
    assert abs(n / 1e6 - params_m) < 0.01
    assert detect_width_mult(ck) == mult


def test_checkpoint_without_double_names_and_batches_tracked():
    # variant naming handled by OFA's loader: '.bn.' instead of '.bn.bn.' etc.
    sd = {}
    for k, v in fake_checkpoint(1.0)["state_dict"].items():
        if k.endswith("num_batches_tracked"):
            continue
        sd[k.replace(".bn.bn.", ".bn.").replace(".conv.conv.weight", ".conv.weight")] = v
    model = OFAMobileNetV3("w1.0")
    load_ofa_state_dict(model, sd, strict=True)


def test_wrong_width_checkpoint_is_rejected_clearly():
    model = OFAMobileNetV3("w1.2")
    with pytest.raises(CheckpointError, match=r"wrong width|expects 24"):
        load_ofa_state_dict(model, fake_checkpoint(1.0))


def test_incomplete_checkpoint_is_rejected():
    sd = fake_checkpoint(1.2)["state_dict"]
    del sd["classifier.linear.bias"]
    sd["extra.weight"] = torch.zeros(1)
    with pytest.raises(CheckpointError, match="missing"):
        load_ofa_state_dict(OFAMobileNetV3("w1.2"), sd)
    with pytest.raises(CheckpointError):
        load_ofa_state_dict(OFAMobileNetV3("w1.2"), [1, 2, 3])
