"""Pareto front and level selection (dynofa/selection.py)."""
import random

from dynofa.selection import near_pareto_front, pareto_front, select_levels, thin_front


def test_pareto_and_selection():
    rng = random.Random(0)
    pts = [{"latency": rng.uniform(1, 10), "accuracy": rng.uniform(80, 90), "bytes": 1} for _ in range(200)]
    front = pareto_front(pts)
    for a, b in zip(front, front[1:]):
        assert b["latency"] >= a["latency"] and b["accuracy"] > a["accuracy"]
    for p in pts:  # nothing dominates a front point
        for f in front:
            assert not (p["latency"] < f["latency"] and p["accuracy"] > f["accuracy"])
    sel = select_levels(front, 6)
    assert len(sel) == min(6, len(front))
    assert sel[0] is front[0] and sel[-1] is front[-1]
    near = near_pareto_front(pts, lat_slack=0.1)
    assert all(any(f is n for n in near) for f in front) and len(near) >= len(front)
    thin = thin_front(front, min_lat_ratio=1.2, min_acc_gain=0.5)
    assert thin[0] is front[0] and thin[-1] is front[-1]
    for a, b in zip(thin, thin[1:]):
        assert b["latency"] >= 1.2 * a["latency"] and b["accuracy"] >= a["accuracy"] + 0.5
    # size budget drops the biggest/slowest levels
    for i, p in enumerate(front):
        p["bytes"] = i + 1
    sel = select_levels(front, 3, size_key="bytes", max_total_size=len(front))
    assert sum(p["bytes"] for p in sel) <= len(front)
