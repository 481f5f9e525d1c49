"""Evaluates an exported fp32 sub-network graph with PyTorch, batched, keeping
every intermediate tensor: the activation statistics for int8 calibration.

Only the operators the toolkit's exporter writes (see export.py) are known;
any other operator raises ``UnsupportedGraph`` naming it."""
from __future__ import annotations

from typing import Callable, Dict, Optional

import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper


class UnsupportedGraph(ValueError):
    """The ONNX graph uses an operator or attribute the int8 export does not handle."""


def attrs(node: onnx.NodeProto) -> Dict:
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def conv2d(x: torch.Tensor, w: torch.Tensor, b: Optional[torch.Tensor], strides, pads, dilations,
           group: int) -> torch.Tensor:
    """NCHW conv through oneDNN where PyTorch has it: Debian's build otherwise runs 1x1
    convs on a generic BLAS, tens of times slower."""
    if hasattr(torch, "mkldnn_convolution") and torch.backends.mkldnn.is_available():
        return torch.mkldnn_convolution(x.contiguous(), w.contiguous(), b, tuple(pads), tuple(strides),
                                        tuple(dilations), group)
    return F.conv2d(x, w, b, tuple(strides), tuple(pads), tuple(dilations), group)


def _conv(node, ins):
    a = attrs(node)
    if a.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
        raise UnsupportedGraph(f"{node.name}: Conv auto_pad is not supported")
    pads = a.get("pads", [0, 0, 0, 0])
    if pads[0] != pads[2] or pads[1] != pads[3]:
        raise UnsupportedGraph(f"{node.name}: asymmetric Conv pads {pads}")
    x, w = ins[0], ins[1]
    b = ins[2] if len(ins) > 2 else None
    return conv2d(x, w, b, a.get("strides", [1, 1]), pads[:2], a.get("dilations", [1, 1]), a.get("group", 1))


def _gemm(node, ins):
    a = attrs(node)
    if a.get("transA", 0):
        raise UnsupportedGraph(f"{node.name}: Gemm transA is not supported")
    w = ins[1].t() if a.get("transB", 0) else ins[1]
    y = a.get("alpha", 1.0) * (ins[0] @ w)
    if len(ins) > 2:
        y = y + a.get("beta", 1.0) * ins[2]
    return y


def _hard_sigmoid(node, ins):
    a = attrs(node)
    return torch.clamp(a.get("alpha", 0.2) * ins[0] + a.get("beta", 0.5), 0.0, 1.0)


OPS: Dict[str, Callable] = {
    "Conv": _conv,
    "Gemm": _gemm,
    "HardSigmoid": _hard_sigmoid,
    "Relu": lambda n, i: torch.relu(i[0]),
    "Mul": lambda n, i: i[0] * i[1],
    "Add": lambda n, i: i[0] + i[1],
    "GlobalAveragePool": lambda n, i: i[0].mean((2, 3), keepdim=True),
    "Flatten": lambda n, i: torch.flatten(i[0], attrs(n).get("axis", 1)),
}


def strip_identities(model: onnx.ModelProto) -> onnx.ModelProto:
    """A copy without Identity nodes (the exporter writes them for weights that are equal,
    such as zero biases of synthetic weights): consumers read the Identity's input."""
    out = onnx.ModelProto()
    out.CopyFrom(model)
    graph_outputs = {o.name for o in out.graph.output}
    alias = {n.output[0]: n.input[0] for n in out.graph.node
             if n.op_type == "Identity" and n.output[0] not in graph_outputs}
    kept = [n for n in out.graph.node if not (n.op_type == "Identity" and n.output[0] in alias)]
    for n in kept:
        for k, name in enumerate(n.input):
            while name in alias:
                name = alias[name]
            n.input[k] = name
    del out.graph.node[:]
    out.graph.node.extend(kept)
    return out


def name_nodes(model: onnx.ModelProto) -> None:
    """Gives every unnamed node a unique name (ONNX makes names optional; the int8 export keys nodes by name)."""
    taken = {n.name for n in model.graph.node if n.name}
    for i, n in enumerate(model.graph.node):
        if not n.name:
            name = f"{n.op_type}_{i}"
            while name in taken:
                name += "_"
            n.name = name
            taken.add(name)


def check_supported(model: onnx.ModelProto) -> None:
    for n in model.graph.node:
        if n.op_type not in OPS or n.domain not in ("", "ai.onnx"):
            raise UnsupportedGraph(f"operator {n.domain or 'ai.onnx'}.{n.op_type} ({n.name}) is not supported by the "
                                   f"int8 export (known: {', '.join(sorted(OPS))})")


@torch.no_grad()
def evaluate(model: onnx.ModelProto, x: torch.Tensor,
             visit: Optional[Callable[[str, torch.Tensor], None]] = None) -> Dict[str, torch.Tensor]:
    """Runs the graph on ``x`` (batch first). Calls ``visit(name, value)`` for
    every tensor a node produces, then returns the graph outputs by name."""
    check_supported(model)
    env: Dict[str, torch.Tensor] = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy())
                                    for i in model.graph.initializer}
    env[model.graph.input[0].name] = x.contiguous()
    consumers: Dict[str, int] = {}
    for n in model.graph.node:
        for i in n.input:
            consumers[i] = consumers.get(i, 0) + 1
    outputs = {o.name for o in model.graph.output}
    keep = outputs | {model.graph.input[0].name} | {t.name for t in model.graph.initializer}
    for n in model.graph.node:
        ins = [env[i] for i in n.input if i]
        y = OPS[n.op_type](n, ins)
        env[n.output[0]] = y
        if visit is not None:
            visit(n.output[0], y)
        for i in n.input:  # free activations nobody needs any more
            consumers[i] -= 1
            if consumers[i] == 0 and i not in keep:
                env.pop(i, None)
    return {o: env[o] for o in outputs}
