"""int8 arithmetic of the export (uint8 activation parameters, per-channel int8
weights, int32 biases) and calibration: activation ranges and the per-conv
signal-to-noise ratio of the int8 form, both measured on calibration images by
running the fp32 graph in PyTorch (onnx_torch)."""
from __future__ import annotations

from typing import Dict, Iterable, List, Optional, Tuple

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from . import onnx_torch
from .onnx_torch import UnsupportedGraph, attrs

INT32_LIMIT = 2 ** 31 - 1


def uint8_params(lo: float, hi: float) -> Tuple[float, int]:
    """Scale (float32) and zero point of a uint8 tensor covering [lo, hi] and 0."""
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    if hi - lo < 1e-8:
        hi = lo + 1e-8
    scale = (hi - lo) / 255.0
    zp = int(np.clip(round(-lo / scale), 0, 255))
    return float(np.float32(scale)), zp


def quantize_weights(w: np.ndarray, reduce_range: bool) -> Tuple[np.ndarray, np.ndarray]:
    """Symmetric int8 per output channel (axis 0): (q int8, scale float32 [C]).
    ``reduce_range``: [-64, 64], so that two u8 x s8 products never saturate the
    16-bit sums of CPUs without VNNI."""
    qmax = 64 if reduce_range else 127
    absmax = np.abs(w.reshape(w.shape[0], -1)).max(1)
    scale = np.where(absmax > 0, absmax / qmax, 1.0).astype(np.float32)
    q = np.clip(np.round(w / scale.reshape((-1,) + (1,) * (w.ndim - 1))), -qmax, qmax).astype(np.int8)
    return q, scale


def quantize_bias(b: np.ndarray, x_scale: float, w_scale: np.ndarray) -> np.ndarray:
    """int32 bias at scale x_scale * w_scale[c]."""
    q = np.round(b.astype(np.float64) / (np.float64(x_scale) * w_scale.astype(np.float64)))
    if q.size and np.abs(q).max() > INT32_LIMIT:
        raise UnsupportedGraph("an int32 bias overflows (a channel's weights are ~0 while its bias is not)")
    return q.astype(np.int32)


def fake_quant(x: torch.Tensor, scale: float, zp: int) -> torch.Tensor:
    """``x`` through uint8 and back."""
    return (torch.clamp(torch.round(x / scale) + zp, 0, 255) - zp) * scale


class RangeObserver:
    """Per-tensor ranges over all calibration images: 'minmax', or 'percentile'
    (each tail clipped at ``percentile`` % of the values, from a histogram over
    the min/max range filled in a second pass)."""

    def __init__(self, method: str = "percentile", percentile: float = 99.99, bins: int = 4096):
        if method not in ("percentile", "minmax"):
            raise ValueError(f"calibration must be 'percentile' or 'minmax', got {method!r}")
        if not 50.0 < percentile <= 100.0:
            raise ValueError(f"percentile must be in (50, 100], got {percentile}")
        self.method, self.percentile, self.bins = method, percentile, bins
        self.lo: Dict[str, float] = {}
        self.hi: Dict[str, float] = {}
        self.hist: Dict[str, np.ndarray] = {}

    def first_pass(self, name: str, value: torch.Tensor) -> None:
        lo, hi = float(value.min()), float(value.max())
        self.lo[name] = min(lo, self.lo.get(name, lo))
        self.hi[name] = max(hi, self.hi.get(name, hi))

    def second_pass(self, name: str, value: torch.Tensor) -> None:
        lo, hi = self.lo[name], self.hi[name]
        if hi > lo:
            h = torch.histc(value.float().flatten(), bins=self.bins, min=lo, max=hi).numpy().astype(np.float64)
            self.hist[name] = self.hist.get(name, 0) + h

    def range(self, name: str) -> Tuple[float, float]:
        lo, hi = self.lo[name], self.hi[name]
        h = self.hist.get(name)
        if self.method == "minmax" or h is None or h.sum() == 0:
            return lo, hi
        tail = h.sum() * (100.0 - self.percentile) / 100.0
        edges = np.linspace(lo, hi, len(h) + 1)
        if lo < 0:  # a ReLU output keeps its exact 0 as the lower end
            lo = float(edges[int(np.searchsorted(np.cumsum(h), tail, side="right"))])
        hi = float(edges[len(h) - int(np.searchsorted(np.cumsum(h[::-1]), tail, side="right"))])
        return lo, hi


def calibrate(model: onnx.ModelProto, batches: List[torch.Tensor], observer: RangeObserver) -> RangeObserver:
    """Fills ``observer`` with the ranges of the graph input and of every tensor a node produces."""
    if not batches:
        raise ValueError("int8 calibration needs at least one image")
    in_name = model.graph.input[0].name
    for xb in batches:
        observer.first_pass(in_name, xb)
        onnx_torch.evaluate(model, xb, observer.first_pass)
    if observer.method == "percentile":
        for xb in batches:
            observer.second_pass(in_name, xb)
            onnx_torch.evaluate(model, xb, observer.second_pass)
    return observer


def conv_sqnr(model: onnx.ModelProto, batches: Iterable[torch.Tensor], ranges: RangeObserver,
              reduce_range: bool, only: Optional[Iterable[str]] = None) -> Dict[str, float]:
    """Signal-to-noise ratio (dB) at each conv's output (before bias and activation)
    of its int8 form (input through uint8 with the calibrated range, int8 weights)
    against fp32, over the calibration images. ``only``: names of the convs to measure."""
    want = set(only) if only is not None else None
    inits = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in model.graph.initializer}
    by_input: Dict[str, List[onnx.NodeProto]] = {}
    for n in model.graph.node:
        if n.op_type == "Conv" and (want is None or n.name in want):
            by_input.setdefault(n.input[0], []).append(n)
    if not by_input:
        return {}
    wq = {}
    for nodes in by_input.values():
        for n in nodes:
            q, s = quantize_weights(inits[n.input[1]].numpy(), reduce_range)
            wq[n.name] = torch.from_numpy(q.astype(np.float32) * s.reshape(-1, 1, 1, 1))
    power: Dict[str, List[float]] = {}

    def visit(name: str, x: torch.Tensor) -> None:
        for n in by_input.get(name, []):
            a = attrs(n)
            args = (None, a.get("strides", [1, 1]), a.get("pads", [0, 0])[:2], a.get("dilations", [1, 1]),
                    a.get("group", 1))
            y = onnx_torch.conv2d(x, inits[n.input[1]], *args)
            yq = onnx_torch.conv2d(fake_quant(x, *uint8_params(*ranges.range(name))), wq[n.name], *args)
            p = power.setdefault(n.name, [0.0, 0.0])
            p[0] += float((y.double() ** 2).sum())
            p[1] += float(((y - yq).double() ** 2).sum())

    in_name = model.graph.input[0].name
    for xb in batches:
        visit(in_name, xb)
        onnx_torch.evaluate(model, xb, visit)
    return {k: float(10 * np.log10(max(s, 1e-30) / max(e, 1e-30))) for k, (s, e) in power.items()}
