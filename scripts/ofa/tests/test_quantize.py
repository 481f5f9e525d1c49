"""Static int8 export (dynofa/quantize.py): graph structure, per-channel weights,
reduced range, numerics through ONNX Runtime, determinism, bad input."""
import json
import random
from collections import Counter

import numpy as np
import onnx
import pytest
import torch
import torch.nn as nn
from onnx import helper, numpy_helper

from conftest import REPO_ROOT
from dynofa.calibration import RangeObserver, quantize_bias, quantize_weights, uint8_params
from dynofa.configs import random_config
from dynofa.data import batches
from dynofa.export import export_onnx, ort_available, run_onnx
from dynofa.onnx_torch import UnsupportedGraph
from dynofa.quantize import QuantOptions, int8_sibling, quantize_file, quantize_model
from dynofa.subnet import extract_subnet, recalibrate_bn
from dynofa.supernet import OFAMobileNetV3
from helpers import randomize

needs_ort = pytest.mark.skipif(not ort_available(), reason="node + onnxruntime-node not available")
FASHION = REPO_ROOT / "engines" / "fashion-ofa"


def ops(model):
    return Counter(n.op_type for n in model.graph.node)


def inits(model):
    return {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}


def cosine(a, b):
    return (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """Calibration runs many small convs: on shared cores a second OpenMP thread mostly waits."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """A random fashion sub-network (every block kind: ReLU and h-swish stages, SE, residuals) at r=16."""
    sup = randomize(OFAMobileNetV3("fashion"), seed=7).eval()
    cfg = random_config(sup.spec, random.Random(11), [16])
    net = extract_subnet(sup, cfg)
    recalibrate_bn(net, [torch.randn(64, 1, 16, 16, generator=torch.Generator().manual_seed(0))])
    path = export_onnx(net.eval(), str(tmp_path_factory.mktemp("q") / "net.onnx"), 16, 1)
    cal = [torch.randn(32, 1, 16, 16, generator=torch.Generator().manual_seed(1))]
    return onnx.load(path), cal


@pytest.fixture(scope="module")
def synthetic_int8(synthetic):
    """The synthetic sub-network with every conv but the stem in int8."""
    fp32, cal = synthetic
    return quantize_model(fp32, cal, QuantOptions(min_sqnr_db=0))


@pytest.fixture(scope="module")
def bundled_l0():
    """The bundled family's L0 (trained), calibrated on 200 of its sample images; the other 800 for checks."""
    fam = json.loads((FASHION / "family.json").read_text())
    level = fam["subnets"][0]
    r, mean, std = level["resolution"], fam["input"]["mean"][0], fam["input"]["std"][0]
    images = np.fromfile(FASHION / "sample-images.u8", np.uint8).reshape(-1, 28, 28)
    cal = list(batches(images[:200], r, 100, mean, std))
    check = torch.cat(list(batches(images[200:], r, 800, mean, std))).numpy()
    return str(FASHION / level["model"]), cal, check


def test_structure_fully_integer_with_float_edges(synthetic, synthetic_int8):
    fp32, _ = synthetic
    q, report = synthetic_int8
    onnx.checker.check_model(q)
    c, c32 = ops(q), ops(fp32)
    # the stem conv and its h-swish stay float; every other conv is integer
    assert c["Conv"] == 1 and c["HardSigmoid"] == 1 and c["Mul"] == 1
    assert c["QLinearConv"] == c32["Conv"] - 1
    assert c["QLinearAdd"] == c32["Add"]  # residuals only: no HardSigmoid needs an add
    assert c["QLinearMul"] == c32["Mul"] - 1  # h-swish and SE scaling
    assert c["QLinearGlobalAveragePool"] == c32["GlobalAveragePool"] and c["QGemm"] == 1
    assert c["QuantizeLinear"] == 1 and c["DequantizeLinear"] == 0  # QGemm writes the float logits
    assert not {"Relu", "Gemm", "Add", "GlobalAveragePool"} & set(c)
    assert [i.name for i in q.graph.input] == ["input"] and [o.name for o in q.graph.output] == ["logits"]
    for v in (q.graph.input[0], q.graph.output[0]):
        assert v.type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    assert report["floatNodes"] == [n.name for n in fp32.graph.node[:3]]
    assert {o.domain for o in q.opset_import} == {"", "com.microsoft"}


def test_per_channel_int8_weights_int32_bias(synthetic, synthetic_int8):
    fp32, _ = synthetic
    q, _ = synthetic_int8
    w = inits(q)
    w32 = inits(fp32)
    for n in (n for n in q.graph.node if n.op_type == "QLinearConv"):
        qw, scale, zp, bias = w[n.input[3]], w[n.input[4]], w[n.input[5]], w[n.input[8]]
        out_ch = qw.shape[0]
        assert qw.dtype == np.int8 and zp.dtype == np.int8 and not zp.any()
        assert scale.shape == (out_ch,) and zp.shape == (out_ch,)
        assert bias.dtype == np.int32 and bias.shape == (out_ch,)
        assert w[n.input[2]].dtype == np.uint8 and w[n.input[7]].dtype == np.uint8  # activations uint8
        assert np.abs(qw).reshape(out_ch, -1).max(1).min() == 127  # every channel uses its full range
        assert len(np.unique(scale)) > 1
        # the fp32 weight of the same conv is reproduced per channel
        src = w32[n.input[3][:-len("_quantized")]]
        assert np.abs(qw * scale.reshape(-1, 1, 1, 1) - src).max() <= scale.max() / 2 + 1e-7


def test_reduced_range_weights(synthetic):
    fp32, cal = synthetic
    q, _ = quantize_model(fp32, cal, QuantOptions(min_sqnr_db=0, reduce_range=True))
    w = inits(q)
    weights = [w[n.input[3]] for n in q.graph.node if n.op_type in ("QLinearConv", "QGemm")]
    assert max(int(np.abs(x).max()) for x in weights) == 64
    assert min(int(np.abs(x).max()) for x in weights) == 64


def test_deterministic(synthetic):
    fp32, cal = synthetic
    a, _ = quantize_model(fp32, cal)
    b, _ = quantize_model(fp32, cal)
    assert a.SerializeToString() == b.SerializeToString()


def test_float_depthwise_option(synthetic):
    fp32, cal = synthetic
    q, report = quantize_model(fp32, cal, QuantOptions(min_sqnr_db=0, float_depthwise=True))
    groups = [n for n in q.graph.node if n.op_type == "Conv" and
              any(a.name == "group" and a.i > 1 for a in n.attribute)]
    assert len(groups) == sum(1 for n in fp32.graph.node if n.op_type == "Conv" and
                              any(a.name == "group" and a.i > 1 for a in n.attribute))
    assert ops(q)["DequantizeLinear"] >= len(groups) - 1  # the first reads the float stem directly


@needs_ort
def test_numerics_close_to_fp32(tmp_path, bundled_l0):
    fp32, cal, check = bundled_l0
    out = str(tmp_path / "L0.int8.onnx")
    quantize_file(fp32, out, cal)
    a = run_onnx(fp32, check, per_sample=True)
    b = run_onnx(out, check, per_sample=True)
    assert cosine(a, b).mean() >= 0.99 and np.percentile(cosine(a, b), 5) >= 0.98
    assert (a.argmax(1) == b.argmax(1)).mean() >= 0.97


@needs_ort
def test_hswish_forms_and_reduced_range_agree(tmp_path, bundled_l0):
    fp32, cal, check = bundled_l0
    a = run_onnx(fp32, check[:200], per_sample=True)
    for opts in (QuantOptions(hswish="add"), QuantOptions(reduce_range=True), QuantOptions(calibration="minmax")):
        out = str(tmp_path / "v.onnx")
        quantize_file(fp32, out, cal, opts)
        b = run_onnx(out, check[:200], per_sample=True)
        assert cosine(a, b).mean() >= 0.99, opts


def test_low_sqnr_conv_after_float_stem_stays_float(bundled_l0):
    fp32, cal, _ = bundled_l0
    _, report = quantize_model(onnx.load(fp32), cal)
    dw = "/blocks.0/conv/depth_conv/conv/Conv"
    assert report["sqnrDb"][dw] < 30 and dw in report["floatNodes"]
    # measured next: the block's 1x1 conv, which reads the float depthwise output, is fine in int8
    assert report["sqnrDb"]["/blocks.0/conv/point_linear/conv/Conv"] >= 30
    assert "/blocks.0/conv/point_linear/conv/Conv" not in report["floatNodes"]
    _, report0 = quantize_model(onnx.load(fp32), cal, QuantOptions(min_sqnr_db=0))
    assert dw not in report0["floatNodes"]


class HSwishAndGate(nn.Module):
    """conv -> h-swish, then an SE-style gate: x * HardSigmoid(conv(relu(conv(avgpool(x)))))."""

    def __init__(self):
        super().__init__()
        g = torch.Generator().manual_seed(3)
        self.conv = nn.Conv2d(4, 8, 3, padding=1)
        self.reduce, self.expand = nn.Conv2d(8, 4, 1), nn.Conv2d(4, 8, 1)
        for m in (self.conv, self.reduce, self.expand):
            m.weight.data = torch.randn(m.weight.shape, generator=g) * 0.5
            m.bias.data = torch.randn(m.bias.shape, generator=g)

    def forward(self, x):
        x = nn.functional.hardswish(self.conv(x))
        s = self.expand(torch.relu(self.reduce(nn.functional.adaptive_avg_pool2d(x, 1))))
        return x * nn.functional.hardsigmoid(s)


@needs_ort
@pytest.mark.parametrize("hswish", ["clip", "add"])
def test_hard_sigmoid_rewrites_are_exact_up_to_rounding(tmp_path, hswish):
    net = HSwishAndGate().eval()
    path = export_onnx(net, str(tmp_path / "t.onnx"), 6, 4)
    cal = [torch.randn(64, 4, 6, 6, generator=torch.Generator().manual_seed(4))]
    q, _ = quantize_model(onnx.load(path), cal, QuantOptions(float_stem=False, calibration="minmax", hswish=hswish))
    assert "HardSigmoid" not in ops(q) and ops(q)["Clip"] == (hswish == "clip")
    out = str(tmp_path / "t.int8.onnx")
    onnx.save(q, out)
    x = torch.randn(16, 4, 6, 6, generator=torch.Generator().manual_seed(5))
    with torch.no_grad():
        ref = net(x).numpy()
    got = run_onnx(out, x.numpy(), per_sample=True).reshape(ref.shape)
    assert np.abs(got - ref).max() <= 0.03 * np.abs(ref).max()


@needs_ort
def test_ort_keeps_the_graph_integer(tmp_path, synthetic_int8):
    """ONNX Runtime's optimized graph: integer kernels, nothing dequantized in the middle."""
    import subprocess
    from dynofa.export import _node_env, node_binary
    q, _ = synthetic_int8
    onnx.save(q, str(tmp_path / "q.onnx"))
    r = subprocess.run([node_binary(), str(REPO_ROOT / "scripts" / "ofa" / "ort_profile.js"), "--model",
                        str(tmp_path / "q.onnx"), "--optimized", str(tmp_path / "opt.onnx"), "--runs", "3",
                        "--json", str(tmp_path / "p.json")], cwd=str(REPO_ROOT), env=_node_env(),
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    c = ops(onnx.load(str(tmp_path / "opt.onnx")))
    assert c["QLinearConv"] == ops(q)["QLinearConv"] and c["DequantizeLinear"] == 0
    assert sum(v for k, v in c.items() if k == "Conv") == 1  # the float stem only
    import json
    prof = json.loads((tmp_path / "p.json").read_text())
    assert prof["opTypes"]["QLinearConv"]["count"] == c["QLinearConv"] and prof["totalUs"] > 0


def test_calibration_arithmetic():
    assert uint8_params(0.0, 2.55) == (pytest.approx(0.01), 0)  # ReLU: zero point 0
    s, z = uint8_params(-1.0, 3.0)
    assert z == round(1.0 / s) and abs(z * s - 1.0) < s
    s, z = uint8_params(0.5, 1.0)  # the range always holds 0
    assert z == 0 and s == pytest.approx(1.0 / 255)
    w = np.array([[[[1.0, -0.5]]], [[[0.1, 0.4]]]], dtype=np.float32)
    q, scale = quantize_weights(w, reduce_range=False)
    assert q[0].ravel().tolist() == [127, -64] and q[1].ravel().tolist() == [32, 127]
    assert scale.tolist() == pytest.approx([1 / 127, 0.4 / 127])
    assert np.abs(quantize_weights(w, reduce_range=True)[0]).max() == 64
    assert quantize_bias(np.array([0.5]), 0.01, np.array([0.1], np.float32)).tolist() == [500]
    with pytest.raises(UnsupportedGraph):
        quantize_bias(np.array([1.0]), 1e-6, np.array([1e-6], np.float32))


def test_percentile_clips_outliers_and_keeps_relu_zero():
    obs = RangeObserver("percentile", 99.0, bins=1000)
    x = torch.cat([torch.linspace(-1, 1, 10000), torch.tensor([-50.0, 50.0])])
    relu = torch.relu(x)
    for f in (obs.first_pass, obs.second_pass):
        f("x", x)
        f("relu", relu)
    lo, hi = obs.range("x")
    assert -1.1 < lo < -0.9 and 0.9 < hi < 1.1
    assert obs.range("relu")[0] == 0.0
    mm = RangeObserver("minmax")
    mm.first_pass("x", x)
    assert mm.range("x") == (-50.0, 50.0)


def test_bad_input(tmp_path, synthetic):
    fp32, cal = synthetic
    with pytest.raises(ValueError):
        quantize_model(fp32, cal, QuantOptions(calibration="kl"))
    with pytest.raises(ValueError):
        quantize_model(fp32, cal, QuantOptions(percentile=20))
    with pytest.raises(ValueError):
        quantize_model(fp32, cal, QuantOptions(hswish="lut"))
    with pytest.raises(ValueError):
        quantize_model(fp32, [])
    # an operator the export does not know
    x = helper.make_tensor_value_info("input", onnx.TensorProto.FLOAT, [1, 2])
    y = helper.make_tensor_value_info("logits", onnx.TensorProto.FLOAT, [1, 2])
    m = helper.make_model(helper.make_graph([helper.make_node("Sigmoid", ["input"], ["logits"], name="s")],
                                            "g", [x], [y]))
    with pytest.raises(UnsupportedGraph, match="Sigmoid"):
        quantize_model(m, [torch.zeros(1, 2)])
    two = onnx.ModelProto()
    two.CopyFrom(fp32)
    two.graph.output.extend([fp32.graph.output[0]])
    with pytest.raises(UnsupportedGraph, match="one input and one output"):
        quantize_model(two, cal)


def test_int8_sibling_name():
    assert int8_sibling("engines/x/L5.onnx") == "engines/x/L5.int8.onnx"


def test_unnamed_nodes_get_names(synthetic):
    """ONNX node names are optional; the export keys nodes by name, so unnamed ones are named first."""
    fp32, cal = synthetic
    unnamed = onnx.ModelProto()
    unnamed.CopyFrom(fp32)
    for n in unnamed.graph.node:
        n.name = ""
    q, report = quantize_model(unnamed, cal, QuantOptions(min_sqnr_db=0))
    named, _ = quantize_model(fp32, cal, QuantOptions(min_sqnr_db=0))
    assert ops(q) == ops(named)
    assert len(report["floatNodes"]) == 3 and all(report["floatNodes"])
    assert not any(n.name for n in unnamed.graph.node)  # the caller's model is left as it was
