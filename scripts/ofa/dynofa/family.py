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


@torch.no_grad()
def evaluate_top1(net, images_u8: np.ndarray, labels: np.ndarray, r: int, mean: float, std: float,
                  batch_size: int = 500) -> float:
    net.eval()
    correct = 0
    i = 0
    for xb in batches(images_u8, r, batch_size, mean, std):
        pred = net(xb).argmax(1).numpy()
        correct += int((pred == labels[i:i + len(pred)]).sum())
        i += len(pred)
    return 100.0 * correct / len(labels)


def calibrated_subnet(supernet, cfg: Any, calib_u8: Optional[np.ndarray], mean: float, std: float,
                      batch_size: int = 200):
    cfg = validate_config(cfg, supernet.spec)
    net = extract_subnet(supernet, cfg)
    if calib_u8 is not None and len(calib_u8):
        recalibrate_bn(net, batches(calib_u8, cfg.r, batch_size, mean, std))
    return net.eval()


def candidate_configs(spec: SupernetSpec, count: int, seed: int = 0) -> List[SubnetConfig]:
    """Deterministic candidate set of ``count`` configs (or the grid, if larger):
    uniform configs (every k/e/d combination with all slots equal, at every
    resolution) first, then seeded random ones."""
    rng = random.Random(seed)
    seen, out = set(), []

    def add(c: SubnetConfig):
        k = c.key()
        if k not in seen:
            seen.add(k)
            out.append(c)

    for r in spec.resolutions:
        add(min_config(spec, r))
        add(max_config(spec, r))
        for d in spec.depth_list:
            for e in spec.expand_list:
                for k in spec.ks_list:
                    add(SubnetConfig([k] * spec.n_slots, [e] * spec.n_slots, [d] * spec.n_stages, r))
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


def select_levels(front: Sequence[Dict], n_levels: int, lat_key: str = "latency",
                  size_key: Optional[str] = None, max_total_size: Optional[float] = None) -> List[Dict]:
    """Pick ``n_levels`` points of a Pareto front (sorted by latency), spread
    geometrically in latency between the fastest and the slowest point that
    fits the size budget."""
    front = list(front)
    if len(front) <= n_levels:
        return front
    while True:
        lo, hi = front[0][lat_key], front[-1][lat_key]
        chosen: List[Dict] = []
        for i in range(n_levels):
            target = lo * (hi / lo) ** (i / (n_levels - 1))
            cands = [p for p in front if p not in chosen and
                     (not chosen or p[lat_key] > chosen[-1][lat_key])]
            if not cands:
                break
            chosen.append(min(cands, key=lambda p: abs(math.log(p[lat_key] / target))))
        if size_key is None or max_total_size is None or len(front) <= n_levels:
            return chosen
        if sum(p[size_key] for p in chosen) <= max_total_size:
            return chosen
        front = front[:-1]  # drop the slowest/biggest and retry


def write_json(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)
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
