"""Static int8 export of an fp32 sub-network ONNX graph (as export.py writes it:
BN folded) in the form ONNX Runtime's CPU kernels run fastest.

Recipe (scripts/ofa/README.md, "int8 sub-networks", has the measurements):
- weights int8, symmetric, one scale per output channel (7-bit with
  ``reduce_range`` for CPUs without VNNI); biases int32 at input scale x weight scale;
- activations uint8, one scale per tensor, ranges calibrated on images;
- integer end to end where ORT has kernels: QLinearConv (a ReLU is the saturation at
  zero point 0), QLinearAdd, QLinearMul, QLinearGlobalAveragePool, and the
  classifier as QGemm with a float output;
- HardSigmoid costs no QLinearAdd: in an SE gate its offset goes into the expand
  conv's bias and its clip is the saturation of the conv's uint8 output; in h-swish
  the conv's output range starts where h-swish is 0, so HardSigmoid is a uint8 Clip;
- float where int8 is slower or too coarse: the stem conv (1 or 3 input channels),
  and a conv reading a float tensor whose int8 form falls below ``min_sqnr_db``;
- one float32 input and one float32 output, quantized/dequantized inside the graph.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Set, Tuple

import onnx
import torch
from onnx import helper

from . import onnx_torch
from .calibration import RangeObserver, calibrate, conv_sqnr
from .int8_graph import MS_DOMAIN, Group, Int8GraphWriter
from .onnx_torch import UnsupportedGraph, attrs


@dataclass(frozen=True)
class QuantOptions:
    """``calibration``: 'percentile' (each tail clipped at ``percentile`` % of the
    calibration values) or 'minmax'. ``reduce_range``: 7-bit weights.
    ``float_stem``: keep the conv that reads the image in fp32.
    ``float_depthwise``: keep depthwise convs in fp32.
    ``min_sqnr_db``: a conv reading a float tensor stays fp32 when its int8 form's
    signal-to-noise ratio at its output is lower (the depthwise conv after the stem,
    whose input channels differ so widely in range that one uint8 scale cannot cover
    them and nothing averages the error out).
    ``hswish``: 'clip' (HardSigmoid as a uint8 Clip) or 'add' (a saturating QLinearAdd).
    ``classifier``: 'qgemm' (int8, float output) or 'float'.
    ``float_nodes``: names of further nodes kept in fp32."""
    calibration: str = "percentile"
    percentile: float = 99.99
    reduce_range: bool = False
    float_stem: bool = True
    float_depthwise: bool = False
    min_sqnr_db: float = 30.0
    hswish: str = "clip"
    classifier: str = "qgemm"
    float_nodes: Tuple[str, ...] = ()

    def check(self) -> None:
        RangeObserver(self.calibration, self.percentile)  # raises on bad values
        if self.hswish not in ("clip", "add"):
            raise ValueError(f"hswish must be 'clip' or 'add', got {self.hswish!r}")
        if self.classifier not in ("qgemm", "float"):
            raise ValueError(f"classifier must be 'qgemm' or 'float', got {self.classifier!r}")


def group_nodes(model: onnx.ModelProto) -> List[Group]:
    """Each Conv with the activation it feeds alone (Relu, h-swish, SE gate); every other node alone."""
    consumers: Dict[str, List[onnx.NodeProto]] = {}
    for n in model.graph.node:
        for i in n.input:
            consumers.setdefault(i, []).append(n)
    graph_outputs = {o.name for o in model.graph.output}
    taken: Set[int] = set()
    groups: List[Group] = []
    for n in model.graph.node:
        if id(n) in taken:
            continue
        g = Group(anchor=n, nodes=[n], output=n.output[0])
        users = consumers.get(n.output[0], [])
        kinds = sorted(u.op_type for u in users)
        if n.op_type == "Conv" and n.output[0] not in graph_outputs:
            if kinds == ["Relu"]:
                g.act, g.nodes = "relu", [n, users[0]]
            elif kinds == ["HardSigmoid", "Mul"]:
                hs = next(u for u in users if u.op_type == "HardSigmoid")
                mul = next(u for u in users if u.op_type == "Mul")
                if set(mul.input) == {n.output[0], hs.output[0]} and consumers.get(hs.output[0]) == [mul]:
                    g.act, g.nodes = "hswish", [n, hs, mul]
            elif kinds == ["HardSigmoid"]:
                g.act, g.nodes = "gate", [n, users[0]]
        g.output = g.nodes[-1].output[0]
        taken.update(id(m) for m in g.nodes)
        groups.append(g)
    return groups


def is_depthwise(model: onnx.ModelProto, conv: onnx.NodeProto) -> bool:
    w = next(i for i in model.graph.initializer if i.name == conv.input[1])
    group = attrs(conv).get("group", 1)
    return group > 1 and group == w.dims[0]


def plan_precision(model: onnx.ModelProto, groups: List[Group], options: QuantOptions) -> None:
    """Rules that need no data."""
    in_name = model.graph.input[0].name
    for g in groups:
        a = g.anchor
        if a.name in options.float_nodes:
            g.precision = "float"
        elif a.op_type == "Conv":
            if options.float_stem and a.input[0] == in_name:
                g.precision = "float"
            elif options.float_depthwise and is_depthwise(model, a):
                g.precision = "float"
        elif a.op_type == "Gemm":
            g.precision = "int8" if options.classifier == "qgemm" else "float"
        elif a.op_type == "Relu":  # a ReLU that follows no conv has no integer kernel
            g.precision = "float"


def keep_accurate_convs_float(model: onnx.ModelProto, groups: List[Group], batches: List[torch.Tensor],
                              ranges: RangeObserver, options: QuantOptions) -> Dict[str, float]:
    """A conv that reads a float tensor stays fp32 when its int8 form is below
    ``min_sqnr_db`` (a conv reading a uint8 tensor gains nothing from fp32: its input
    error is already there). Repeats while new float tensors appear. Returns the
    measured SQNR per conv."""
    measured: Dict[str, float] = {}
    while True:
        float_tensors = {model.graph.input[0].name}
        for g in groups:
            if g.precision == "float":
                float_tensors.update(o for n in g.nodes for o in n.output)
        todo = [g for g in groups if g.precision == "int8" and g.anchor.op_type == "Conv"
                and g.anchor.input[0] in float_tensors and g.anchor.name not in measured]
        if not todo:
            return measured
        measured.update(conv_sqnr(model, batches, ranges, options.reduce_range, [g.anchor.name for g in todo]))
        for g in todo:
            if measured[g.anchor.name] < options.min_sqnr_db:
                g.precision = "float"


def quantize_model(model: onnx.ModelProto, batches: Iterable[torch.Tensor],
                   options: QuantOptions = QuantOptions()) -> Tuple[onnx.ModelProto, Dict]:
    """The int8 model and a report (options, calibration images, fp32 nodes, SQNR of the convs measured)."""
    options.check()
    batches = list(batches)
    if len(model.graph.input) != 1 or len(model.graph.output) != 1:
        raise UnsupportedGraph("the int8 export needs a model with one input and one output")
    model = onnx_torch.strip_identities(model)
    onnx_torch.name_nodes(model)
    onnx_torch.check_supported(model)
    ranges = calibrate(model, batches, RangeObserver(options.calibration, options.percentile))
    groups = group_nodes(model)
    plan_precision(model, groups, options)
    sqnr = keep_accurate_convs_float(model, groups, batches, ranges, options)
    writer = Int8GraphWriter(model, ranges, options.reduce_range, options.hswish)
    for g in groups:
        writer.write(g)
    writer.float_input(model.graph.output[0].name)
    graph = helper.make_graph(writer.nodes, model.graph.name + "-int8", [model.graph.input[0]],
                              [model.graph.output[0]], writer.initializers)
    opset = max([13] + [o.version for o in model.opset_import if o.domain in ("", "ai.onnx")])
    out = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset), helper.make_opsetid(MS_DOMAIN, 1)],
                            producer_name="dynamic-ofa int8 export")
    out.ir_version = model.ir_version
    report = {
        "options": {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(options).items()},
        "calibrationImages": int(sum(b.shape[0] for b in batches)),
        "floatNodes": [n.name for g in groups if g.precision == "float" for n in g.nodes],
        "sqnrDb": {k: round(v, 1) for k, v in sqnr.items()},
    }
    return out, report


def quantize_file(fp32_path: str, int8_path: str, batches: Iterable[torch.Tensor],
                  options: QuantOptions = QuantOptions()) -> Dict:
    """Quantizes an exported fp32 ONNX file into ``int8_path``; returns the report."""
    q, report = quantize_model(onnx.load(fp32_path), batches, options)
    Path(int8_path).parent.mkdir(parents=True, exist_ok=True)
    onnx.save(q, int8_path)
    return report


def int8_sibling(model_file: str) -> str:
    """The int8 file beside a model: L5.onnx -> L5.int8.onnx."""
    p = Path(model_file)
    return str(p.with_name(p.stem + ".int8" + p.suffix))
