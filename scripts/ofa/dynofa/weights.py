"""Supernet weight sources: OFA checkpoints, this toolkit's checkpoints, or
deterministic synthetic weights; and calibration image sets."""
from __future__ import annotations

import math
from pathlib import Path
from typing import Iterator, List, Optional, Tuple

import numpy as np
import torch

from .configs import CheckpointError, SupernetSpec, get_spec
from .supernet import OFAMobileNetV3, detect_width_mult, load_ofa_state_dict

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def synthetic_supernet(spec, seed: int = 0) -> OFAMobileNetV3:
    """Deterministic synthetic weights (seeded He init, identity kernel
    matrices, unit BN). Real latency, meaningless accuracy."""
    model = OFAMobileNetV3(spec)
    model.init_weights(torch.Generator().manual_seed(seed))
    return model.eval()


def load_supernet(spec_or_name, checkpoint: Optional[str]) -> Tuple[OFAMobileNetV3, str]:
    """Returns (supernet, weights kind). ``checkpoint`` may be an OFA checkpoint
    (state_dict or {"state_dict": ...}) or a checkpoint written by this
    toolkit ({"spec": ..., "state_dict": ...})."""
    if checkpoint is None:
        return synthetic_supernet(spec_or_name), "synthetic"
    ck = torch.load(checkpoint, map_location="cpu")
    if isinstance(ck, dict) and "spec" in ck and "state_dict" in ck:
        spec = SupernetSpec.from_dict(ck["spec"])
        want = get_spec(spec_or_name) if spec_or_name is not None else spec
        if want.name != spec.name:
            raise CheckpointError(f"checkpoint is for supernet '{spec.name}', family needs '{want.name}'")
        model = OFAMobileNetV3(spec)
        model.load_state_dict(ck["state_dict"], strict=True)
        return model.eval(), "trained"
    spec = get_spec(spec_or_name)
    wm = detect_width_mult(ck if isinstance(ck, dict) else {})
    if wm is not None and abs(wm - spec.width_mult) > 1e-6:
        raise CheckpointError(f"checkpoint is an OFA w{wm} supernet but the family needs {spec.name} "
                              f"(w{spec.width_mult})")
    model = OFAMobileNetV3(spec)
    load_ofa_state_dict(model, ck, strict=True)
    return model.eval(), "pretrained"


def _load_image_rgb(path: Path) -> np.ndarray:
    if path.suffix == ".npy":
        a = np.load(path)
        if a.ndim == 2:
            a = np.stack([a] * 3, -1)
        return a.astype(np.uint8)
    from PIL import Image  # optional dependency (python3-pil)
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


def imagenet_eval_transform(img_u8: np.ndarray, r: int) -> torch.Tensor:
    """OFA evaluation transform: resize the shorter side to ceil(r / 0.875),
    centre crop r x r, normalise with the ImageNet mean/std -> [3, r, r]."""
    import torch.nn.functional as F
    x = torch.from_numpy(np.ascontiguousarray(img_u8)).permute(2, 0, 1).float().unsqueeze(0) / 255.0
    h, w = x.shape[-2:]
    s = int(math.ceil(r / 0.875))
    nh, nw = (s, max(s, round(w * s / h))) if h <= w else (max(s, round(h * s / w)), s)
    x = F.interpolate(x, size=(nh, nw), mode="bilinear", align_corners=False, antialias=True)
    top, left = (nh - r) // 2, (nw - r) // 2
    x = x[..., top:top + r, left:left + r]
    mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    return ((x - mean) / std)[0]


def calibration_batches(directory: Optional[str], r: int, count: int = 2000, batch_size: int = 16,
                        seed: int = 0, in_channels: int = 3) -> Iterator[torch.Tensor]:
    """Calibration batches at resolution r: images from ``directory`` (any
    PIL-readable files or uint8 .npy HxWx3 arrays, searched recursively,
    ``count`` drawn with a fixed seed), or, without a directory, seeded
    Gaussian noise (only meant for synthetic weights)."""
    if directory is None:
        g = torch.Generator().manual_seed(seed)
        n = min(count, 16)
        yield torch.randn(n, in_channels, r, r, generator=g)
        return
    exts = {".jpg", ".jpeg", ".png", ".bmp", ".JPEG", ".npy", ".webp"}
    files = sorted(p for p in Path(directory).rglob("*") if p.suffix in exts)
    if not files:
        raise FileNotFoundError(f"no calibration images found under {directory}")
    rng = np.random.RandomState(seed)
    pick = [files[i] for i in rng.choice(len(files), min(count, len(files)), replace=False)]
    buf: List[torch.Tensor] = []
    for p in pick:
        buf.append(imagenet_eval_transform(_load_image_rgb(p), r))
        if len(buf) == batch_size:
            yield torch.stack(buf)
            buf = []
    if buf:
        yield torch.stack(buf)
