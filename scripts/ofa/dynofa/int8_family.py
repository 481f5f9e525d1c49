"""int8 siblings (L5.onnx -> L5.int8.onnx) of a family's exported sub-networks:
calibration images, quantization per level, and the int8 twins of selection candidates."""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Dict, Iterable, Iterator, List, Optional, Tuple

import numpy as np
import torch

from .configs import ConfigError, FASHION_SPEC
from .quantize import QuantOptions, int8_sibling, quantize_file

NOISE = "noise"
FASHION_MNIST = "fashion-mnist"
FAMILY = "family"  # the family's own calibration images (family.json "calibration")
CALIBRATION_BATCH = 100  # images per calibration batch


def add_arguments(ap) -> None:
    """The int8 options of quantize_family.py and export_family.py --int8."""
    ap.add_argument("--calibration-images", type=int, default=None,
                    help="int8 calibration images per level (default 500; 16 of noise)")
    ap.add_argument("--calibration-method", choices=("percentile", "minmax"), default="percentile")
    ap.add_argument("--percentile", type=float, default=99.99)
    ap.add_argument("--reduce-range", action="store_true", help="7-bit weights (CPUs without VNNI)")
    ap.add_argument("--min-sqnr-db", type=float, default=30.0,
                    help="a conv reading a float tensor stays fp32 below this int8 signal-to-noise ratio")


def add_selection_arguments(ap, calibration_default: int, calibration_help: str) -> None:
    """The int8 options of a selection over fp32 and int8 candidates (search.py --int8, build_fashion_family.py):
    which int8 twins are made, how far below its twin one may compete, and the images they calibrate on."""
    ap.add_argument("--int8-slack", type=float, default=0.3,
                    help="int8 twins of the fp32 candidates within this relative latency of the front")
    ap.add_argument("--max-int8-drop", type=float, default=0.5,
                    help="an int8 candidate more than this many top-1 points below its fp32 twin may not become a level")
    ap.add_argument("--int8-calibration", type=int, default=calibration_default, help=calibration_help)


def options_from_args(a) -> QuantOptions:
    return QuantOptions(calibration=a.calibration_method, percentile=a.percentile, reduce_range=a.reduce_range,
                        min_sqnr_db=a.min_sqnr_db)


def calibration_count(a, source: str) -> int:
    """Noise only sets latency-relevant ranges: a few images do."""
    return a.calibration_images if a.calibration_images is not None else (16 if source == NOISE else 500)


def default_calibration(fam: Dict) -> Optional[str]:
    """The family's calibration images when it ships them, seeded noise for synthetic
    weights (latency only), the Fashion-MNIST training images for the Fashion-MNIST
    supernet, else None (the caller must name a source)."""
    if fam.get("calibration"):
        return FAMILY
    if fam.get("weights") == "synthetic":
        return NOISE
    if fam.get("backbone", {}).get("supernet") == FASHION_SPEC.name:
        return FASHION_MNIST
    return None


def family_calibration_images(fam_dir: Path, fam: Dict) -> np.ndarray:
    """The family's calibration images (family.json "calibration") as uint8 [N, H, W] or [N, H, W, C]."""
    c = fam["calibration"]
    raw = np.fromfile(Path(fam_dir) / c["images"], np.uint8)
    shape = (c["count"], c["height"], c["width"]) + ((c["channels"],) if c["channels"] > 1 else ())
    if raw.size != int(np.prod(shape)):
        raise ConfigError(f"{c['images']}: {raw.size} bytes; calibration count {c['count']} of "
                          f"{c['width']}x{c['height']}x{c['channels']} needs {int(np.prod(shape))}")
    return raw.reshape(shape)


def calibration_images(source: str, fam: Dict, count: int, seed: int = 0,
                       fam_dir: Optional[Path] = None) -> Optional[np.ndarray]:
    """Checks ``source`` and ``count``; the uint8 images of the 'family' and 'fashion-mnist' sources before
    preprocessing (see calibration_batches), read once for every resolution; None for 'noise' and a
    directory, drawn at each resolution."""
    channels = fam["input"]["channels"]
    if count < 1:
        raise ConfigError(f"the int8 calibration needs at least one image, got {count}")
    if source == FAMILY:
        if channels != 1:
            raise ConfigError("calibration images of rgb families are not supported yet (gray only)")
        return family_calibration_images(fam_dir, fam)[:count]
    if source == FASHION_MNIST:
        from .data import load_fashion
        images, _ = load_fashion("train")
        return draw_calibration_images(images, min(count, len(images)), seed)[0]
    return None


def _batches_at(source: str, fam: Dict, images: Optional[np.ndarray], resolution: int, count: int, seed: int,
                batch_size: int) -> Iterator[torch.Tensor]:
    """calibration_batches at ``resolution`` from calibration_images' ``images``."""
    channels = fam["input"]["channels"]
    if images is not None:
        from .data import batches
        yield from batches(images, resolution, batch_size, fam["input"]["mean"][0], fam["input"]["std"][0])
    elif source == NOISE:
        g = torch.Generator().manual_seed(seed)
        for i in range(0, count, batch_size):
            yield torch.randn(min(batch_size, count - i), channels, resolution, resolution, generator=g)
    else:
        if not Path(source).is_dir():
            raise FileNotFoundError(f"calibration source {source!r} is neither '{NOISE}', '{FASHION_MNIST}' "
                                    "nor a directory of images")
        from .weights import calibration_batches as image_batches
        yield from image_batches(source, resolution, count, batch_size=16, seed=seed, in_channels=channels)


def calibration_batches(source: str, fam: Dict, resolution: int, count: int, seed: int = 0,
                        batch_size: int = CALIBRATION_BATCH, fam_dir: Optional[Path] = None) -> Iterator[torch.Tensor]:
    """Calibration images at ``resolution`` after the family's preprocessing:
    'family' (the first ``count`` of the family's calibration images, the ones TensorRT
    calibrates on too), 'noise' (seeded standard normal, as the BN statistics of
    synthetic weights were estimated on), 'fashion-mnist' (``count`` training images
    drawn with ``seed``), or a directory of images (ImageNet evaluation transform)."""
    images = calibration_images(source, fam, count, seed, fam_dir)
    yield from _batches_at(source, fam, images, resolution, count, seed, batch_size)


def quantize_levels(fam_dir: Path, fam: Dict, source: str, count: int, seed: int = 0,
                    options: QuantOptions = QuantOptions(), levels: Optional[Iterable[str]] = None,
                    log: Callable[[str], None] = print) -> Dict[str, Dict]:
    """Writes the int8 sibling of every (or every listed) sub-network's ONNX file;
    returns a report per sub-network id."""
    reports: Dict[str, Dict] = {}
    resolved, images = False, None  # calibration_images, at the first level to quantize (read once, resized per level)
    for s, fp32, out in level_files(fam_dir, fam, levels):
        if not resolved:
            resolved, images = True, calibration_images(source, fam, count, seed, fam_dir)
        batches: List[torch.Tensor] = list(_batches_at(source, fam, images, s["resolution"], count, seed,
                                                       CALIBRATION_BATCH))
        report = quantize_file(str(fp32), str(out), batches, options)
        report.update({"model": out.name, "calibration": source if source in (NOISE, FASHION_MNIST, FAMILY) else "directory",
                       "bytes": out.stat().st_size, "fp32Bytes": fp32.stat().st_size})
        reports[s["id"]] = report
        log(f"{s['id']}: {out} ({report['bytes']} bytes, fp32 {report['fp32Bytes']}; "
            f"{report['calibrationImages']} calibration images; fp32 nodes: {len(report['floatNodes'])})")
    return reports


def precision_pair(fam_dir: Path, s: Dict) -> Tuple[Optional[Path], Path]:
    """A level's fp32 and int8 files: the level's model and its sibling (family.json), or for an fp32 level
    without an int8 sibling the conventional name beside it (L5.onnx -> L5.int8.onnx). The fp32 file of an
    int8 level without a sibling is None."""
    model = Path(fam_dir) / s["model"]
    sibling = Path(fam_dir) / s["sibling"]["model"] if "sibling" in s else None
    if s.get("precision", "fp32") == "int8":
        return sibling, model
    return model, sibling if sibling is not None else Path(int8_sibling(str(model)))


def level_files(fam_dir: Path, fam: Dict, levels: Optional[Iterable[str]] = None,
                need_int8: bool = False) -> Iterator[Tuple[Dict, Path, Path]]:
    """Every (or every listed) sub-network, in family order, with its fp32 and int8 files (precision_pair).
    ConfigError for unknown ids (all of them, before the first level) and for an int8 level without an fp32
    sibling; FileNotFoundError for a missing fp32 file (and int8 file with ``need_int8``). The checks of a
    level run when it is drawn: list() the levels to check them all first."""
    want = set(levels) if levels else None
    known = {s["id"] for s in fam["subnets"]}
    if want and not want <= known:
        raise ConfigError(f"unknown sub-network ids {sorted(want - known)} (family has {sorted(known)})")
    for s in fam["subnets"]:
        if want and s["id"] not in want:
            continue
        fp32, int8 = precision_pair(fam_dir, s)
        if fp32 is None:
            raise ConfigError(f"{s['id']} is an int8 level without an fp32 sibling in family.json")
        if not fp32.exists():
            raise FileNotFoundError(f"{fp32} not found: export the family first")
        if need_int8 and not int8.exists():
            raise FileNotFoundError(f"{int8} not found: quantize the family first (quantize_family.py)")
        yield s, fp32, int8


def int8_twins(points: Iterable[Dict], calib_u8: np.ndarray, test_u8: np.ndarray, test_labels: np.ndarray,
               mean: float, std: float, options: QuantOptions = QuantOptions(), done: Optional[Dict] = None,
               log: Callable[[str], None] = print) -> List[Dict]:
    """The int8 twin of each exported fp32 candidate (``point["onnx"]``, ``point["config"]``): quantized
    beside it, calibrated on ``calib_u8``; top-1 of both through ONNX Runtime on the test images (the
    twin's fp32 figure goes into ``fp32Top1``, so both come from the same runtime). ``done``: earlier twins by
    ONNX path, reused."""
    from .evaluation import onnx_top1
    twins = []
    for p in points:
        r = p["config"]["r"]
        path = int8_sibling(p["onnx"])
        prev = (done or {}).get(path)
        if prev is not None and Path(path).exists():
            q = dict(prev)
        else:
            from .data import batches
            report = quantize_file(p["onnx"], path, list(batches(calib_u8, r, 100, mean, std)), options)
            q = {"onnx": path, "bytes": Path(path).stat().st_size, "floatNodes": len(report["floatNodes"]),
                 "accuracy": onnx_top1(path, test_u8, test_labels, r, mean, std),
                 "fp32Top1": onnx_top1(p["onnx"], test_u8, test_labels, r, mean, std)}
        q.update({"i": f"{p['i']}.int8", "precision": "int8", "twin": p, "config": p["config"],
                  "macs": p["macs"], "params": p["params"]})
        log(f"  int8 twin of {p['i']}: r={r} top1 int8 {q['accuracy']:.2f} / fp32 {q['fp32Top1']:.2f} "
            f"(ONNX Runtime), {q['bytes']} bytes")
        twins.append(q)
    return twins


CALIBRATION_FILE = "calibration-images.u8"


def draw_calibration_images(train_u8: np.ndarray, count: int, seed: int, dataset: str = "Fashion-MNIST"):
    """``count`` training images drawn with numpy RandomState(seed) (in index order) and the family.json
    "calibration" entry that names them: the images the int8 candidates are calibrated on and that the family
    ships for TensorRT's int8 calibration."""
    idx = np.sort(np.random.RandomState(seed).choice(len(train_u8), count, replace=False))
    images = np.ascontiguousarray(train_u8[idx], dtype=np.uint8)
    entry = {"images": CALIBRATION_FILE, "count": int(count), "width": int(images.shape[2]),
             "height": int(images.shape[1]), "channels": 1 if images.ndim == 3 else int(images.shape[3]),
             "source": f"{dataset} training images, indices drawn with numpy RandomState({seed}) (sorted); "
                       "never test images"}
    return images, entry


def pairwise_int8_latency(twins: List[Dict], in_channels: int, runs: int, key: str = "latency") -> None:
    """Sets each int8 twin's ``key`` from its fp32 twin's and the int8/fp32 ratio measured with the two alone
    (round-robin, ``runs`` each). Timed among every candidate at once, caches are colder than in a family of a
    few levels, and int8's smaller weights win there what they may not win in the family."""
    from .export import measure_latency
    for q in twins:
        p = q["twin"]
        shape = [1, in_channels, p["config"]["r"], p["config"]["r"]]
        lat = measure_latency([{"id": "fp32", "model": p["onnx"], "shape": shape},
                               {"id": "int8", "model": q["onnx"], "shape": shape}], runs=runs)
        q[key] = p[key] * lat["int8"]["p50"] / lat["fp32"]["p50"]


def int8_candidates_record(m: Dict, runs: int, calibration: Dict, max_top1_drop: float, candidates: List[Dict],
                           test_images: int, dataset: str = "Fashion-MNIST") -> Dict:
    """family.json ``produced.int8Candidates``: how the candidates were measured, and the candidates
    (selection.int8_candidate_records)."""
    from .machine import isa_list
    return {
        "latency": {"cpu": m["cpu"], "isa": isa_list(m), "threads": m["threads"], "runs": runs,
                    "how": "p50 through the dynamic-ofa addon (loadFamily): an int8 candidate's latency is its fp32 "
                           "twin's times their ratio measured with the two alone, round-robin in one run"},
        "accuracy": f"top-1 on the {test_images} {dataset} test images through ONNX Runtime (fp32 and int8 files)",
        "calibration": f"{calibration['images']}: {calibration['count']} training images",
        "maxTop1Drop": max_top1_drop,
        "candidates": candidates,
    }
