"""ONNX export: names, shapes, opset, parity with PyTorch through ONNX Runtime
(onnxruntime-node via scripts/ofa/ort_run.js) <= 1e-4."""
import random

import numpy as np
import onnx
import pytest
import torch

from dynofa.configs import random_config
from dynofa.export import export_onnx, measure_latency, ort_available, parity, run_onnx
from dynofa.subnet import extract_subnet
from dynofa.supernet import OFAMobileNetV3
from helpers import randomize

needs_ort = pytest.mark.skipif(not ort_available(), reason="node + onnxruntime-node not available")


def _io(path):
    m = onnx.load(str(path))
    dims = lambda v: [d.dim_value if d.HasField("dim_value") else d.dim_param for d in v.type.tensor_type.shape.dim]
    return m, [(i.name, dims(i)) for i in m.graph.input], [(o.name, dims(o)) for o in m.graph.output]


@pytest.fixture(scope="module")
def fashion_net():
    sup = randomize(OFAMobileNetV3("fashion"), seed=7).eval()
    cfg = random_config(sup.spec, random.Random(11), [24])
    return extract_subnet(sup, cfg).eval(), cfg


def test_export_fixed_batch(tmp_path, fashion_net):
    net, cfg = fashion_net
    p = export_onnx(net, str(tmp_path / "m.onnx"), cfg.r, 1)
    m, ins, outs = _io(p)
    onnx.checker.check_model(m)
    assert ins == [("input", [1, 1, cfg.r, cfg.r])]
    assert outs == [("logits", [1, 10])]
    assert m.opset_import[0].version >= 13
    assert not any(n.op_type == "BatchNormalization" for n in m.graph.node)


def test_export_dynamic_batch(tmp_path, fashion_net):
    net, cfg = fashion_net
    p = export_onnx(net, str(tmp_path / "m.onnx"), cfg.r, 1, dynamic_batch=True, opset=17)
    m, ins, outs = _io(p)
    assert ins[0][1][0] == "batch" and ins[0][1][1:] == [1, cfg.r, cfg.r]
    assert m.opset_import[0].version == 17


def test_bad_opset(tmp_path, fashion_net):
    with pytest.raises(ValueError):
        export_onnx(fashion_net[0], str(tmp_path / "m.onnx"), 24, 1, opset=11)


@needs_ort
def test_parity_fashion(tmp_path, fashion_net):
    net, cfg = fashion_net
    p = export_onnx(net, str(tmp_path / "m.onnx"), cfg.r, 1)
    x = torch.randn(4, 1, cfg.r, cfg.r, generator=torch.Generator().manual_seed(0))
    assert parity(net, p, x) <= 1e-4
    with torch.no_grad():
        assert net(x).abs().max() > 0.1


@needs_ort
def test_parity_ofa_w12_dynamic_batch(tmp_path):
    sup = randomize(OFAMobileNetV3("w1.2"), seed=3).eval()
    cfg = random_config(sup.spec, random.Random(5), [96])
    net = extract_subnet(sup, cfg).eval()
    p = export_onnx(net, str(tmp_path / "m.onnx"), cfg.r, 3, dynamic_batch=True)
    x = torch.randn(2, 3, cfg.r, cfg.r, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        ref = net(x).numpy()
    got = run_onnx(p, x.numpy())
    assert got.shape == (2, 1000)
    assert np.abs(ref - got).max() <= 1e-4


@needs_ort
def test_measure_latency(tmp_path, fashion_net):
    net, cfg = fashion_net
    p = export_onnx(net, str(tmp_path / "m.onnx"), cfg.r, 1)
    lat = measure_latency([{"id": "a", "model": p, "shape": [1, 1, cfg.r, cfg.r]}], runs=20, warmup=2)
    assert 0 < lat["a"]["p50"] < 1000 and lat["a"]["runs"] == 20
