"""Which sub-networks make a family: the candidate configs to evaluate, the Pareto front of (latency,
accuracy), and the levels picked from it."""
from __future__ import annotations

import math
import random
from typing import Dict, List, Optional, Sequence

from .configs import SubnetConfig, SupernetSpec, max_config, min_config, random_config


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
