"""Fashion-MNIST loading and the preprocessing contract of the bundled family.

Contract (reproduced exactly by the native runtime):
  frame uint8 gray HxW -> x = pixel / 255 (float32)
  -> bilinear resize to r x r, half-pixel centres, no antialias
     (torch.nn.functional.interpolate(mode='bilinear', align_corners=False))
  -> (x - mean) / std
"""
from __future__ import annotations

import gzip
import os
import struct
from pathlib import Path
from typing import Iterator, Optional, Tuple

import numpy as np
import torch
import torch.nn.functional as F

FASHION_DIR_CANDIDATES = [
    os.environ.get("FASHION_MNIST_DIR", ""),
    "/usr/share/datasets/fashion-mnist",
]
FASHION_LABELS = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                  "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
# statistics of the Fashion-MNIST training images (pixel / 255)
FASHION_MEAN = 0.2860
FASHION_STD = 0.3530


def fashion_dir() -> Optional[Path]:
    for c in FASHION_DIR_CANDIDATES:
        if c and (Path(c) / "t10k-images-idx3-ubyte.gz").exists():
            return Path(c)
    return None


def _read_idx(path: Path) -> np.ndarray:
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    magic = struct.unpack(">I", data[:4])[0]
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_fashion(split: str, root: Optional[Path] = None) -> Tuple[np.ndarray, np.ndarray]:
    """Returns (images uint8 [N,28,28], labels uint8 [N]) for 'train' or 'test'."""
    root = Path(root) if root else fashion_dir()
    if root is None:
        raise FileNotFoundError("Fashion-MNIST not found: install the Debian package "
                                "dataset-fashion-mnist or set FASHION_MNIST_DIR")
    prefix = "train" if split == "train" else "t10k"
    x = _read_idx(root / f"{prefix}-images-idx3-ubyte.gz")
    y = _read_idx(root / f"{prefix}-labels-idx1-ubyte.gz")
    return x, y


def preprocess(frames_u8: torch.Tensor, r: int, mean: float = FASHION_MEAN, std: float = FASHION_STD) -> torch.Tensor:
    """uint8 [N,H,W] or [N,1,H,W] -> float32 [N,1,r,r] per the contract."""
    x = frames_u8
    if x.dim() == 3:
        x = x.unsqueeze(1)
    x = x.float() / 255.0
    if x.shape[-1] != r or x.shape[-2] != r:
        x = F.interpolate(x, size=(r, r), mode="bilinear", align_corners=False)
    return (x - mean) / std


def augment_u8(frames_u8: torch.Tensor, gen: torch.Generator, pad: int = 2) -> torch.Tensor:
    """Random shift (pad + crop) and horizontal flip on uint8 [N,H,W] frames."""
    n, h, w = frames_u8.shape
    padded = F.pad(frames_u8, (pad, pad, pad, pad))
    dx = torch.randint(0, 2 * pad + 1, (n,), generator=gen)
    dy = torch.randint(0, 2 * pad + 1, (n,), generator=gen)
    ar_h = torch.arange(h)
    ar_w = torch.arange(w)
    rows = (dy.view(n, 1) + ar_h.view(1, h))  # n,h
    cols = (dx.view(n, 1) + ar_w.view(1, w))  # n,w
    idx_n = torch.arange(n).view(n, 1, 1)
    out = padded[idx_n, rows.view(n, h, 1), cols.view(n, 1, w)]
    flip = torch.rand(n, generator=gen) < 0.5
    out[flip] = out[flip].flip(-1)
    return out


def batches(frames_u8: np.ndarray, r: int, batch_size: int = 200, mean: float = FASHION_MEAN,
            std: float = FASHION_STD) -> Iterator[torch.Tensor]:
    t = torch.from_numpy(np.array(frames_u8, dtype=np.uint8))
    for i in range(0, t.shape[0], batch_size):
        yield preprocess(t[i:i + batch_size], r, mean, std)
