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
                  size_key: Optional[str] = None, max_total_size: Optional[float] = None,
                  min_levels: Optional[int] = None) -> List[Dict]:
    """Pick ``n_levels`` points of a Pareto front (sorted by latency), spread
    geometrically in latency between the fastest and the slowest point that
    fits the size budget. Over the budget, fewer levels (down to ``min_levels``)
    are tried before the slowest (most accurate) point is given up."""
    front = list(front)

    def fits(pts):
        return size_key is None or max_total_size is None or sum(p[size_key] for p in pts) <= max_total_size

    def spread(pts, n):
        if len(pts) <= n:
            return list(pts)
        lo, hi = pts[0][lat_key], pts[-1][lat_key]
        chosen: List[Dict] = []
        for i in range(n):
            target = lo * (hi / lo) ** (i / (n - 1))
            cands = [p for p in pts if not any(p is c for c in chosen) and
                     (not chosen or p[lat_key] > chosen[-1][lat_key])]
            if not cands:
                break
            chosen.append(min(cands, key=lambda p: abs(math.log(p[lat_key] / target))))
        return chosen

    while True:
        for n in range(n_levels, min(min_levels or n_levels, n_levels) - 1, -1):
            chosen = spread(front, n)
            if fits(chosen):
                return chosen
        if len(front) <= 1:
            return spread(front, n_levels)
        front = front[:-1]  # drop the slowest/biggest and retry


def int8_eligible(int8_points: Sequence[Dict], max_top1_drop: float, acc_key: str = "accuracy") -> List[Dict]:
    """int8 points whose top-1 is at most ``max_top1_drop`` points below their fp32 twin's (``fp32Top1``,
    measured by the same runtime): only these may become levels."""
    return [q for q in int8_points if q[acc_key] >= q["fp32Top1"] - max_top1_drop]


def mixed_precision_front(fp32_points: Sequence[Dict], int8_points: Sequence[Dict], max_top1_drop: float,
                          lat_key: str = "latency", acc_key: str = "accuracy") -> List[Dict]:
    """The Pareto front of fp32 and int8 candidates together: an int8 candidate competes like any other when it
    is within ``max_top1_drop`` of its twin and faster than it (the same sub-network: a slower int8 twin's top-1
    above its twin's is noise, not a reason to run it); where int8 does not pay the front holds none."""
    faster = [q for q in int8_eligible(int8_points, max_top1_drop, acc_key) if q[lat_key] < q["twin"][lat_key]]
    return pareto_front(list(fp32_points) + faster, lat_key, acc_key)


def int8_candidate_records(int8_points: Sequence[Dict], levels: Sequence[Dict], front: Sequence[Dict],
                           max_top1_drop: float, lat_key: str = "latency", acc_key: str = "accuracy",
                           level_ids: Optional[Sequence[str]] = None) -> List[Dict]:
    """family.json ``produced.int8Candidates.candidates``: each int8 candidate beside its fp32 twin (latency,
    top-1, ratio), whether it became a level, and why (not)."""
    ids = list(level_ids) if level_ids is not None else [f"L{i}" for i in range(len(levels))]
    level_of = {id(p): ids[i] for i, p in enumerate(levels)}
    on_front = {id(p) for p in front}
    records = []
    for q in int8_points:
        twin = q["twin"]
        rec = {"config": q["config"], "resolution": q["config"]["r"], "macs": int(q["macs"]),
               "fp32": {"latencyMs": round(twin[lat_key], 4), "top1": round(q["fp32Top1"], 2)},
               "int8": {"latencyMs": round(q[lat_key], 4), "top1": round(q[acc_key], 2)},
               "int8OverFp32": round(q[lat_key] / twin[lat_key], 3),
               "top1Delta": round(q[acc_key] - q["fp32Top1"], 2), "kept": id(q) in level_of}
        if rec["kept"]:
            rec["level"] = level_of[id(q)]
            rec["why"] = "on the mixed fp32/int8 Pareto front and picked as a level"
        elif q[acc_key] < q["fp32Top1"] - max_top1_drop:
            rec["why"] = f"top-1 more than {max_top1_drop} points below its fp32 twin"
        elif id(q) in on_front:
            rec["why"] = "on the front, but not picked (levels thinned and spread in latency)"
        else:
            better = min((p for p in front if p[lat_key] <= q[lat_key] and p[acc_key] >= q[acc_key]),
                         key=lambda p: p[lat_key], default=None)
            if better:
                rec["why"] = (f"dominated by a {better.get('precision', 'fp32')} candidate at {better[lat_key]:.4f} ms, "
                              f"top-1 {better[acc_key]:.2f}")
            else:
                rec["why"] = "no faster than its fp32 twin" if q[lat_key] >= twin[lat_key] else "dominated"
        if id(twin) in level_of:
            rec["fp32Level"] = level_of[id(twin)]
        records.append(rec)
    return records


def compare_with_reference(levels: Sequence[Dict], reference: Sequence[Dict], lat_key: str = "latency",
                           acc_key: str = "accuracy", latency_tolerance: float = 0.03) -> List[Dict]:
    """Per level of a reference family (latencies from the same run as ``levels``): the most accurate new level
    at most ``latency_tolerance`` (relative) slower, and whether it is at least as accurate."""
    rows = []
    for r in reference:
        faster = [p for p in levels if p[lat_key] <= r[lat_key] * (1 + latency_tolerance)]
        best = max(faster, key=lambda p: p[acc_key], default=None)
        row = {"reference": r["id"], "referenceTop1": round(r[acc_key], 2),
               "referenceLatencyMs": round(r[lat_key], 4), "atLeastAsAccurate": bool(best and best[acc_key] >= r[acc_key])}
        if best is not None:
            row.update({"level": best["id"], "top1": round(best[acc_key], 2), "latencyMs": round(best[lat_key], 4)})
        rows.append(row)
    return rows
