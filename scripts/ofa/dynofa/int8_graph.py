"""Writes the int8 ONNX graph (QOperator form: QLinearConv and the com.microsoft
QLinear* operators of ONNX Runtime) for node groups planned by quantize.py."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Set, Tuple

import numpy as np
import onnx
from onnx import helper, numpy_helper

from .calibration import RangeObserver, quantize_bias, quantize_weights, uint8_params
from .onnx_torch import UnsupportedGraph, attrs

MS_DOMAIN = "com.microsoft"
CONV_ATTRIBUTES = ("dilations", "group", "kernel_shape", "pads", "strides")


@dataclass
class Group:
    """Nodes written together: an anchor (a Conv or another node) and the
    activation folded into it. ``act``: None, 'relu', 'hswish' (x * HardSigmoid(x))
    or 'gate' (HardSigmoid alone: an SE block's gate)."""
    anchor: onnx.NodeProto
    nodes: List[onnx.NodeProto]
    act: Optional[str] = None
    output: str = ""
    precision: str = "int8"


def hard_sigmoid_offset(hs: onnx.NodeProto) -> Tuple[float, float]:
    """(alpha, beta / alpha): HardSigmoid(z) = clip(alpha z + beta, 0, 1) = alpha * clip(z + beta/alpha, 0, 1/alpha)."""
    a = attrs(hs)
    alpha, beta = float(a.get("alpha", 0.2)), float(a.get("beta", 0.5))
    return alpha, beta / alpha


def f32(x: float) -> float:
    return float(np.float32(x))


class Int8GraphWriter:
    """Every float tensor of the fp32 graph that lives in the integer part gets a
    uint8 twin (``qtensor``: name -> (uint8 tensor, scale, zero point)); QuantizeLinear
    and DequantizeLinear are inserted where float and integer parts meet."""

    def __init__(self, model: onnx.ModelProto, ranges: RangeObserver, reduce_range: bool, hswish: str):
        self.model = model
        self.ranges = ranges
        self.reduce_range = reduce_range
        self.hswish = hswish
        self.weights = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
        self.graph_outputs = {o.name for o in model.graph.output}
        self.nodes: List[onnx.NodeProto] = []
        self.initializers: List[onnx.TensorProto] = []
        self.qtensor: Dict[str, Tuple[str, float, int]] = {}
        self.float_ready: Set[str] = {model.graph.input[0].name}
        self._by_content: Dict[Tuple, str] = {}
        self._names: Set[str] = set()

    # constants and nodes ------------------------------------------------------
    def const(self, name: str, array: np.ndarray) -> str:
        """An initializer (one per distinct content)."""
        key = (array.dtype.str, array.shape, array.tobytes())
        if key not in self._by_content:
            unique, k = name, 0
            while unique in self._names:
                k += 1
                unique = f"{name}_{k}"
            self._names.add(unique)
            self.initializers.append(numpy_helper.from_array(array, unique))
            self._by_content[key] = unique
        return self._by_content[key]

    def scale(self, tensor: str, s: float) -> str:
        return self.const(tensor + "_scale", np.array(s, dtype=np.float32))

    def zp(self, tensor: str, z: int) -> str:
        return self.const(tensor + "_zero_point", np.array(z, dtype=np.uint8))

    def node(self, op: str, inputs: List[str], outputs: List[str], name: str, domain: str = "", **kw) -> None:
        self.nodes.append(helper.make_node(op, inputs, outputs, name=name, domain=domain or None, **kw))

    # tensors ------------------------------------------------------------------
    def params(self, tensor: str, relu: bool = False) -> Tuple[float, int]:
        lo, hi = self.ranges.range(tensor)
        return uint8_params(0.0 if relu else lo, hi)

    def define(self, tensor: str, s: float, z: int, q: Optional[str] = None) -> str:
        q = q or tensor + "_quantized"
        self.qtensor[tensor] = (q, s, z)
        return q

    def int_input(self, tensor: str) -> Tuple[str, float, int]:
        """The uint8 twin of ``tensor``; a float tensor is quantized on first use."""
        if tensor not in self.qtensor:
            s, z = self.params(tensor)
            q = self.define(tensor, s, z)
            self.node("QuantizeLinear", [tensor, self.scale(tensor, s), self.zp(tensor, z)], [q], tensor + "_quantize")
        return self.qtensor[tensor]

    def float_input(self, tensor: str) -> str:
        """``tensor`` in float; a uint8 twin is dequantized on first use."""
        if tensor not in self.float_ready:
            q, s, z = self.qtensor[tensor]
            self.node("DequantizeLinear", [q, self.scale(tensor, s), self.zp(tensor, z)], [tensor],
                      tensor + "_dequantize")
            self.float_ready.add(tensor)
        return tensor

    def qlinear_binary(self, op: str, a: str, b: str, out: str, name: str) -> None:
        qa, sa, za = self.int_input(a)
        qb, sb, zb = self.int_input(b)
        s, z = self.params(out)
        q = self.define(out, s, z)
        self.node(op, [qa, self.scale(a, sa), self.zp(a, za), qb, self.scale(b, sb), self.zp(b, zb),
                       self.scale(out, s), self.zp(out, z)], [q], name, domain=MS_DOMAIN)

    # groups -------------------------------------------------------------------
    def write(self, g: Group) -> None:
        if g.precision == "float":
            return self.write_float(g)
        a = g.anchor
        if a.op_type == "Conv":
            self.write_conv(g)
        elif a.op_type in ("Add", "Mul"):
            self.qlinear_binary("QLinear" + a.op_type, a.input[0], a.input[1], a.output[0], a.name)
        elif a.op_type == "GlobalAveragePool":
            qx, sx, zx = self.int_input(a.input[0])
            s, z = self.params(a.output[0])
            q = self.define(a.output[0], s, z)
            self.node("QLinearGlobalAveragePool", [qx, self.scale(a.input[0], sx), self.zp(a.input[0], zx),
                                                   self.scale(a.output[0], s), self.zp(a.output[0], z)],
                      [q], a.name, domain=MS_DOMAIN, channels_last=0)
        elif a.op_type == "Flatten":
            qx, sx, zx = self.int_input(a.input[0])
            self.node("Flatten", [qx], [self.define(a.output[0], sx, zx)], a.name, axis=attrs(a).get("axis", 1))
        elif a.op_type == "HardSigmoid":
            self.saturating_hard_sigmoid(a.input[0], self.int_input(a.input[0]), a)
        elif a.op_type == "Gemm":
            self.write_gemm(g)
        else:
            raise UnsupportedGraph(f"no int8 form for {a.op_type} ({a.name})")

    def write_float(self, g: Group) -> None:
        for n in g.nodes:
            new = onnx.NodeProto()
            new.CopyFrom(n)
            del new.input[:]
            for i in n.input:
                if i in self.weights:
                    if i not in self._names:
                        self._names.add(i)
                        self.initializers.append(numpy_helper.from_array(self.weights[i], i))
                    new.input.append(i)
                else:
                    new.input.append(self.float_input(i) if i else i)
            self.nodes.append(new)
            self.float_ready.update(n.output)

    def saturating_hard_sigmoid(self, src: str, src_int: Tuple[str, float, int], hs: onnx.NodeProto) -> None:
        """HardSigmoid as a QLinearAdd of beta/alpha whose uint8 output saturates at
        [0, 1/alpha]; read with scale alpha * its scale."""
        alpha, offset = hard_sigmoid_offset(hs)
        qs, ss, zs = src_int
        sum_scale = f32((1.0 / alpha) / 255.0)
        offset_q = self.const(hs.output[0] + "_offset_quantized", np.array(255, dtype=np.uint8))
        q = hs.output[0] + "_quantized"
        self.node("QLinearAdd", [qs, self.scale(src, ss), self.zp(src, zs),
                                 offset_q, self.scale(hs.output[0] + "_offset", f32(offset / 255.0)), self.zp("zero", 0),
                                 self.scale(hs.output[0] + "_sum", sum_scale), self.zp("zero", 0)],
                  [q], hs.name or hs.output[0], domain=MS_DOMAIN)
        self.define(hs.output[0], f32(alpha * sum_scale), 0, q)

    def hswish_params(self, tensor: str, hs: onnx.NodeProto) -> Tuple[float, int]:
        """uint8 parameters of an h-swish input whose range starts at -beta/alpha (where
        h-swish is 0, so nothing is lost) with zero_point * scale = beta/alpha: then
        x + beta/alpha is the raw uint8 value times the scale."""
        _, offset = hard_sigmoid_offset(hs)
        hi = max(self.ranges.range(tensor)[1], 1e-6)
        zp = int(np.clip(round(offset * 255.0 / (hi + offset)), 1, 255))
        return f32(offset / zp), zp

    def write_conv(self, g: Group) -> None:
        c = g.anchor
        name = c.output[0]
        qx, sx, zx = self.int_input(c.input[0])
        w = self.weights[c.input[1]]
        b = self.weights[c.input[2]].astype(np.float64) if len(c.input) > 2 and c.input[2] else np.zeros(w.shape[0])
        if g.act == "gate":
            alpha, offset = hard_sigmoid_offset(g.nodes[1])
            b = b + offset  # the conv computes z + beta/alpha; its uint8 output saturates at [0, 1/alpha]
            s, z = f32((1.0 / alpha) / 255.0), 0
        elif g.act == "relu":
            s, z = self.params(g.output, relu=True)
        elif g.act == "hswish" and self.hswish == "clip":
            s, z = self.hswish_params(name, g.nodes[1])
        else:
            s, z = self.params(name)
        qw, sw = quantize_weights(w, self.reduce_range)
        q_out = name + "_quantized"
        self.node("QLinearConv", [qx, self.scale(c.input[0], sx), self.zp(c.input[0], zx),
                                  self.const(c.input[1] + "_quantized", qw), self.const(c.input[1] + "_scale", sw),
                                  self.const(c.input[1] + "_zero_point", np.zeros(w.shape[0], dtype=np.int8)),
                                  self.scale(name, s), self.zp(name, z),
                                  self.const(c.input[1] + "_bias_quantized", quantize_bias(b, sx, sw))],
                  [q_out], c.name or name, **{k: v for k, v in attrs(c).items() if k in CONV_ATTRIBUTES})
        if g.act == "gate":
            self.define(g.output, f32(alpha * s), 0, q_out)
        elif g.act == "relu":
            self.define(g.output, s, z, q_out)
        else:
            self.define(name, s, z, q_out)
        if g.act == "hswish":
            hs, mul = g.nodes[1], g.nodes[2]
            if self.hswish == "clip":
                self.clipped_hard_sigmoid(name, q_out, s, hs)
            else:
                self.saturating_hard_sigmoid(name, (q_out, s, z), hs)
            self.qlinear_binary("QLinearMul", name, hs.output[0], mul.output[0], mul.name)

    def clipped_hard_sigmoid(self, src: str, q_src: str, s: float, hs: onnx.NodeProto) -> None:
        """HardSigmoid of a tensor quantized by hswish_params: alpha * s * min(q, (1/alpha) / s)."""
        alpha, _ = hard_sigmoid_offset(hs)
        top = int(round((1.0 / alpha) / s))
        q = q_src
        if top < 255:
            q = hs.output[0] + "_quantized"
            self.node("Clip", [q_src, self.const("zero_u8", np.array(0, np.uint8)),
                               self.const(f"clip_{top}_u8", np.array(top, np.uint8))], [q], hs.name or hs.output[0])
        self.define(hs.output[0], f32(alpha * s), 0, q)

    def write_gemm(self, g: Group) -> None:
        n = g.anchor
        a = attrs(n)
        if a.get("transA", 0) or a.get("alpha", 1.0) != 1.0 or a.get("beta", 1.0) != 1.0:
            raise UnsupportedGraph(f"{n.name}: only a Gemm with transA=0 and alpha=beta=1 has an int8 form")
        qx, sx, zx = self.int_input(n.input[0])
        w = self.weights[n.input[1]]
        trans_b = int(a.get("transB", 0))
        rows = w if trans_b else w.T  # one row per output
        qw, sw = quantize_weights(rows, self.reduce_range)
        b = self.weights[n.input[2]] if len(n.input) > 2 and n.input[2] else np.zeros(rows.shape[0])
        inputs = [qx, self.scale(n.input[0], sx), self.zp(n.input[0], zx),
                  self.const(n.input[1] + "_quantized", qw if trans_b else np.ascontiguousarray(qw.T)),
                  self.const(n.input[1] + "_scale", sw),
                  self.const(n.input[1] + "_zero_point", np.zeros(len(sw), np.int8)),
                  self.const(n.input[1] + "_bias_quantized", quantize_bias(b, sx, sw))]
        out = n.output[0]
        if out in self.graph_outputs:  # QGemm without an output scale writes float: the logits stay exact
            self.node("QGemm", inputs, [out], n.name or out, domain=MS_DOMAIN, transB=trans_b)
            self.float_ready.add(out)
        else:
            s, z = self.params(out)
            self.node("QGemm", inputs + [self.scale(out, s), self.zp(out, z)], [self.define(out, s, z)],
                      n.name or out, domain=MS_DOMAIN, transB=trans_b)
