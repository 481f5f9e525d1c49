"""Candidate evaluation, Pareto selection and family.json writing."""
from __future__ import annotations

import json
import math
import random
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch

from .configs import SubnetConfig, SupernetSpec, max_config, min_config, random_config, validate_config
from .data import batches
from .subnet import extract_subnet, recalibrate_bn

SCHEMA_VERSION = 1


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


def candidate_configs(spec: SupernetSpec, count: int, seed: int = 0) -> List[SubnetConfig]:
    """Deterministic candidate set of ``count`` configs: the uniform grid
    (every k/e/d combination with all slots equal, at every resolution) when
    ``count`` is at least its size, else the smallest and largest config at
    every resolution; then seeded random configs up to ``count``."""
    rng = random.Random(seed)
    seen, out = set(), []

    def add(c: SubnetConfig):
        k = c.key()
        if k not in seen:
            seen.add(k)
            out.append(c)

    grid = []
    for r in spec.resolutions:
        for d in spec.depth_list:
            for e in spec.expand_list:
                for k in spec.ks_list:
                    grid.append(SubnetConfig([k] * spec.n_slots, [e] * spec.n_slots, [d] * spec.n_stages, r))
    if count >= len(grid):
        for c in grid:
            add(c)
    else:  # too few for the grid: the extremes at every resolution, then random
        for r in spec.resolutions:
            add(min_config(spec, r))
            add(max_config(spec, r))
    while len(out) < count:
        add(random_config(spec, rng))
    return out


def pareto_front(points: Sequence[Dict], lat_key: str = "latency", acc_key: str = "accuracy") -> List[Dict]:
    """Points not dominated (lower-or-equal latency and higher-or-equal
    accuracy, one strictly). Returned sorted by latency, accuracy strictly rising."""
    pts = sorted(points, key=lambda p: (p[lat_key], -p[acc_key]))
    front, best = [], -math.inf
    for p in pts:
        if p[acc_key] > best:
            front.append(p)
            best = p[acc_key]
    return front


def near_pareto_front(points: Sequence[Dict], lat_key: str = "latency", acc_key: str = "accuracy",
                      lat_slack: float = 0.1) -> List[Dict]:
    """Points not dominated by any point that is more than ``lat_slack``
    (relative) faster with at least the same accuracy: a superset of the Pareto
    front that tolerates latency measurement noise. Sorted by latency."""
    out = []
    for p in points:
        if not any(q is not p and q[lat_key] * (1 + lat_slack) < p[lat_key] and q[acc_key] >= p[acc_key]
                   for q in points):
            out.append(p)
    return sorted(out, key=lambda p: p[lat_key])


def thin_front(front: Sequence[Dict], lat_key: str = "latency", acc_key: str = "accuracy",
               min_lat_ratio: float = 1.1, min_acc_gain: float = 0.2) -> List[Dict]:
    """Keep front points that are at least ``min_lat_ratio`` slower and
    ``min_acc_gain`` points more accurate than the previous kept one, so that
    neighbouring levels are distinguishable. The most accurate point replaces
    the last kept one when it would otherwise be dropped."""
    front = sorted(front, key=lambda p: p[lat_key])
    if not front:
        return []
    kept = [front[0]]
    for p in front[1:]:
        if p[lat_key] >= kept[-1][lat_key] * min_lat_ratio and p[acc_key] >= kept[-1][acc_key] + min_acc_gain:
            kept.append(p)
    last = front[-1]
    if kept[-1] is not last and len(kept) > 1 and last[acc_key] > kept[-1][acc_key]:
        prev = kept[-2]
        if last[lat_key] >= prev[lat_key] * min_lat_ratio and last[acc_key] >= prev[acc_key] + min_acc_gain:
            kept[-1] = last
    return kept


def select_levels(front: Sequence[Dict], n_levels: int, lat_key: str = "latency",
                  size_key: Optional[str] = None, max_total_size: Optional[float] = None) -> List[Dict]:
    """Pick ``n_levels`` points of a Pareto front (sorted by latency), spread
    geometrically in latency between the fastest and the slowest point that
    fits the size budget."""
    front = list(front)

    def fits(pts):
        return size_key is None or max_total_size is None or sum(p[size_key] for p in pts) <= max_total_size

    def spread(pts):
        if len(pts) <= n_levels:
            return list(pts)
        lo, hi = pts[0][lat_key], pts[-1][lat_key]
        chosen: List[Dict] = []
        for i in range(n_levels):
            target = lo * (hi / lo) ** (i / (n_levels - 1))
            cands = [p for p in pts if not any(p is c for c in chosen) and
                     (not chosen or p[lat_key] > chosen[-1][lat_key])]
            if not cands:
                break
            chosen.append(min(cands, key=lambda p: abs(math.log(p[lat_key] / target))))
        return chosen

    while True:
        chosen = spread(front)
        if fits(chosen) or len(front) <= 1:
            return chosen
        front = front[:-1]  # drop the slowest/biggest and retry


def write_json(path: Path, obj: Any) -> None:
    """Indented JSON with lists of numbers/short strings kept on one line."""
    import re
    path.parent.mkdir(parents=True, exist_ok=True)
    txt = json.dumps(obj, indent=2)

    def collapse(m):
        items = [x.strip() for x in m.group(1).split(",")]
        return "[" + ", ".join(items) + "]"
    txt = re.sub(r"\[\s*((?:-?[0-9.eE+-]+|null|true|false|\"[^\"\n]{0,40}\")(?:,\s*(?:-?[0-9.eE+-]+|null|true|false|\"[^\"\n]{0,40}\"))*)\s*\]",
                 collapse, txt)
    with open(path, "w") as f:
        f.write(txt)
        f.write("\n")


def validate_family(fam: Dict[str, Any]) -> None:
    """Structural checks of a family.json object (mirrors the TypeScript loader)."""
    assert fam.get("schemaVersion") == 1, "schemaVersion must be 1"
    for k in ("name", "description", "backbone", "task", "input", "weights", "subnets"):
        assert k in fam, f"family.json misses {k!r}"
    assert fam["weights"] in ("trained", "synthetic", "pretrained")
    assert fam["backbone"]["type"] == "ofa-mbv3"
    t = fam["task"]
    assert t["type"] == "classification" and len(t["labels"]) == t["classes"]
    i = fam["input"]
    assert i["layout"] == "NCHW" and i["format"] in ("gray", "rgb")
    assert len(i["mean"]) == len(i["std"]) == i["channels"]
    subs = fam["subnets"]
    assert len(subs) >= 1
    ids = set()
    for s in subs:
        assert s["id"] not in ids
        ids.add(s["id"])
        c = s["config"]
        assert len(c["ks"]) == 20 and len(c["e"]) == 20 and len(c["d"]) == 5
        assert c["r"] == s["resolution"]
        assert s["model"].endswith(".onnx")
        assert isinstance(s["macs"], int) and isinstance(s["params"], int)


def backbone_description(spec: SupernetSpec) -> Dict[str, Any]:
    """The family.json "backbone" entry of a family cut from `spec`."""
    return {
        "type": "ofa-mbv3",
        "supernet": spec.name,
        "widthMult": spec.width_mult,
        "widths": {"stem": spec.stem_width, "firstBlock": spec.first_block_width,
                   "stages": spec.stage_widths, "finalExpand": spec.final_expand_width,
                   "featureMix": spec.last_channel},
        "stemStride": spec.stem_stride,
        "stageStrides": list(spec.stage_strides),
        "stageActivations": list(spec.stage_acts),
        "stageSE": list(spec.stage_se),
        "kernelChoices": list(spec.ks_list),
        "expandChoices": list(spec.expand_list),
        "depthChoices": list(spec.depth_list),
        "resolutions": list(spec.resolutions),
        "bnFolded": True,
        "onnxOpset": 13,
    }


def run_cli(main) -> None:
    """Runs a toolkit CLI's main(): bad configs, checkpoints and missing files end with a one-line error, exit 2."""
    import sys
    from .configs import CheckpointError, ConfigError
    try:
        main()
    except (ConfigError, CheckpointError, FileNotFoundError) as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
