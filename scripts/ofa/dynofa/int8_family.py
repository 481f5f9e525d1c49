"""int8 siblings (L5.onnx -> L5.int8.onnx) of a family's exported sub-networks:
calibration images and quantization per level."""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Dict, Iterable, Iterator, List, Optional

import numpy as np
import torch

from .configs import ConfigError, FASHION_SPEC
from .quantize import QuantOptions, int8_sibling, quantize_file

NOISE = "noise"
FASHION_MNIST = "fashion-mnist"


def add_arguments(ap) -> None:
    """The int8 options of quantize_family.py and export_family.py --int8."""
    ap.add_argument("--calibration-images", type=int, default=None,
                    help="int8 calibration images per level (default 500; 16 of noise)")
    ap.add_argument("--calibration-method", choices=("percentile", "minmax"), default="percentile")
    ap.add_argument("--percentile", type=float, default=99.99)
    ap.add_argument("--reduce-range", action="store_true", help="7-bit weights (CPUs without VNNI)")
    ap.add_argument("--min-sqnr-db", type=float, default=30.0,
                    help="a conv reading a float tensor stays fp32 below this int8 signal-to-noise ratio")


def options_from_args(a) -> QuantOptions:
    return QuantOptions(calibration=a.calibration_method, percentile=a.percentile, reduce_range=a.reduce_range,
                        min_sqnr_db=a.min_sqnr_db)


def calibration_count(a, source: str) -> int:
    """Noise only sets latency-relevant ranges: a few images do."""
    return a.calibration_images if a.calibration_images is not None else (16 if source == NOISE else 500)


def default_calibration(fam: Dict) -> Optional[str]:
    """Seeded noise for synthetic weights (latency only), the Fashion-MNIST training
    images for the Fashion-MNIST supernet, else None (the caller must name a source)."""
    if fam.get("weights") == "synthetic":
        return NOISE
    if fam.get("backbone", {}).get("supernet") == FASHION_SPEC.name:
        return FASHION_MNIST
    return None


def calibration_batches(source: str, fam: Dict, resolution: int, count: int, seed: int = 0,
                        batch_size: int = 100) -> Iterator[torch.Tensor]:
    """Calibration images at ``resolution`` after the family's preprocessing:
    'noise' (seeded standard normal, as the BN statistics of synthetic weights were
    estimated on), 'fashion-mnist' (``count`` training images drawn with ``seed``),
    or a directory of images (ImageNet evaluation transform)."""
    channels = fam["input"]["channels"]
    if count < 1:
        raise ConfigError(f"the int8 calibration needs at least one image, got {count}")
    if source == NOISE:
        g = torch.Generator().manual_seed(seed)
        for i in range(0, count, batch_size):
            yield torch.randn(min(batch_size, count - i), channels, resolution, resolution, generator=g)
    elif source == FASHION_MNIST:
        from .data import batches, load_fashion
        images, _ = load_fashion("train")
        pick = np.sort(np.random.RandomState(seed).choice(len(images), min(count, len(images)), replace=False))
        yield from batches(images[pick], resolution, batch_size, fam["input"]["mean"][0], fam["input"]["std"][0])
    else:
        if not Path(source).is_dir():
            raise FileNotFoundError(f"calibration source {source!r} is neither '{NOISE}', '{FASHION_MNIST}' "
                                    "nor a directory of images")
        from .weights import calibration_batches as image_batches
        yield from image_batches(source, resolution, count, batch_size=16, seed=seed, in_channels=channels)


def quantize_levels(fam_dir: Path, fam: Dict, source: str, count: int, seed: int = 0,
                    options: QuantOptions = QuantOptions(), levels: Optional[Iterable[str]] = None,
                    log: Callable[[str], None] = print) -> Dict[str, Dict]:
    """Writes the int8 sibling of every (or every listed) sub-network's ONNX file;
    returns a report per sub-network id."""
    want = set(levels) if levels else None
    known = {s["id"] for s in fam["subnets"]}
    if want and not want <= known:
        raise ConfigError(f"unknown sub-network ids {sorted(want - known)} (family has {sorted(known)})")
    reports: Dict[str, Dict] = {}
    for s in fam["subnets"]:
        if want and s["id"] not in want:
            continue
        fp32 = fam_dir / s["model"]
        if not fp32.exists():
            raise FileNotFoundError(f"{fp32} not found: export the family first")
        out = Path(int8_sibling(str(fp32)))
        batches: List[torch.Tensor] = list(calibration_batches(source, fam, s["resolution"], count, seed))
        report = quantize_file(str(fp32), str(out), batches, options)
        report.update({"model": out.name, "calibration": source if source in (NOISE, FASHION_MNIST) else "directory",
                       "bytes": out.stat().st_size, "fp32Bytes": fp32.stat().st_size})
        reports[s["id"]] = report
        log(f"{s['id']}: {out} ({report['bytes']} bytes, fp32 {report['fp32Bytes']}; "
            f"{report['calibrationImages']} calibration images; fp32 nodes: {len(report['floatNodes'])})")
    return reports
