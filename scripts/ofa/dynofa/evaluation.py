"""Evaluating a candidate sub-network: extraction from the supernet with re-calibrated BatchNorm, and top-1
with the preprocessing contract."""
from __future__ import annotations

from typing import Any, Optional

import numpy as np
import torch

from .configs import validate_config
from .data import batches
from .subnet import extract_subnet, recalibrate_bn


def _cl(batches_iter):
    for xb in batches_iter:
        yield xb.contiguous(memory_format=torch.channels_last)


@torch.no_grad()
def evaluate_top1(net, images_u8: np.ndarray, labels: np.ndarray, r: int, mean: float, std: float,
                  batch_size: int = 500) -> float:
    """Top-1 (%) with the preprocessing contract (channels-last on CPU: same
    math, ~4x faster depthwise convolutions)."""
    net.eval()
    net.to(memory_format=torch.channels_last)
    correct = 0
    i = 0
    try:
        for xb in _cl(batches(images_u8, r, batch_size, mean, std)):
            pred = net(xb).argmax(1).numpy()
            correct += int((pred == labels[i:i + len(pred)]).sum())
            i += len(pred)
    finally:
        net.to(memory_format=torch.contiguous_format)
    return 100.0 * correct / len(labels)


def calibrated_subnet(supernet, cfg: Any, calib_u8: Optional[np.ndarray], mean: float, std: float,
                      batch_size: int = 200):
    cfg = validate_config(cfg, supernet.spec)
    net = extract_subnet(supernet, cfg)
    if calib_u8 is not None and len(calib_u8):
        net.to(memory_format=torch.channels_last)
        recalibrate_bn(net, _cl(batches(calib_u8, cfg.r, batch_size, mean, std)))
        net.to(memory_format=torch.contiguous_format)
    return net.eval()


def onnx_predictions(model_path: str, images_u8: np.ndarray, r: int, mean: float, std: float,
                     batch_size: int = 2000) -> np.ndarray:
    """Predicted classes of an exported (fp32 or int8) batch-1 ONNX model through ONNX Runtime, with the
    preprocessing contract."""
    from .export import run_onnx
    out = []
    for xb in batches(images_u8, r, batch_size, mean, std):
        out.append(run_onnx(model_path, xb.numpy(), per_sample=True).argmax(1))
    return np.concatenate(out)


def onnx_top1(model_path: str, images_u8: np.ndarray, labels: np.ndarray, r: int, mean: float, std: float) -> float:
    """Top-1 (%) of an exported ONNX model through ONNX Runtime."""
    return 100.0 * float((onnx_predictions(model_path, images_u8, r, mean, std) == labels).mean())
