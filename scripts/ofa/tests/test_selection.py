"""Pareto front and level selection (dynofa/selection.py)."""
import random

from dynofa.selection import (compare_with_reference, int8_candidate_records, int8_eligible, mixed_precision_front,
                              near_pareto_front, pareto_front, select_levels, thin_front)


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


def fp32(i, latency, accuracy):
    return {"i": i, "config": {"r": 28}, "macs": 1000 * (i + 1), "params": 1, "latency": latency,
            "accuracy": accuracy, "precision": "fp32"}


def int8_of(twin, latency, accuracy, fp32_top1=None):
    return {"i": f"{twin['i']}.int8", "config": twin["config"], "macs": twin["macs"], "params": 1, "twin": twin,
            "latency": latency, "accuracy": accuracy, "precision": "int8",
            "fp32Top1": twin["accuracy"] if fp32_top1 is None else fp32_top1}


def test_int8_candidates_compete_on_the_same_front():
    a, b, c = fp32(0, 1.0, 85.0), fp32(1, 2.0, 88.0), fp32(2, 4.0, 90.0)
    qa = int8_of(a, 1.2, 84.9)   # slower than its twin: does not pay
    qb = int8_of(b, 1.5, 87.9)   # faster, 0.1 below its twin: on the front between a and b
    qc = int8_of(c, 3.0, 89.2)   # faster, but 0.8 below its twin: not eligible
    assert int8_eligible([qa, qb, qc], 0.5) == [qa, qb]
    front = mixed_precision_front([a, b, c], [qa, qb, qc], 0.5)
    assert front == [a, qb, b, c]
    assert mixed_precision_front([a, b, c], [qa, qb, qc], 1.0) == [a, qb, b, qc, c]
    # where int8 does not pay, the front holds none
    assert mixed_precision_front([a, b, c], [qa], 0.5) == [a, b, c]

    levels = [a, qb, c]
    records = int8_candidate_records([qa, qb, qc], levels, front, 0.5)
    ra, rb, rc = records
    assert (ra["kept"], rb["kept"], rc["kept"]) == (False, True, False)
    assert rb["level"] == "L1" and "level" not in ra and "level" not in rc
    assert ra["fp32Level"] == "L0" and rc["fp32Level"] == "L2" and "fp32Level" not in rb
    assert ra["int8OverFp32"] == 1.2 and rb["int8OverFp32"] == 0.75 and rc["top1Delta"] == -0.8
    assert ra["why"].startswith("dominated by a fp32 candidate at 1.0000 ms")
    assert "more than 0.5 points" in rc["why"]
    assert rb["fp32"] == {"latencyMs": 2.0, "top1": 88.0} and rb["int8"] == {"latencyMs": 1.5, "top1": 87.9}
    # the fp32 top-1 compared with is the twin's figure from the same runtime, not the candidate's own
    assert int8_eligible([int8_of(b, 1.5, 87.9, fp32_top1=88.5)], 0.5) == []


def test_a_slower_int8_twin_never_competes():
    """A twin no faster than its fp32 twin stays off the front even when its top-1 comes out a little higher."""
    a, b = fp32(0, 1.0, 85.0), fp32(1, 2.0, 88.0)
    qb = int8_of(b, 2.04, 88.02)
    assert int8_eligible([qb], 0.5) == [qb]
    assert mixed_precision_front([a, b], [qb], 0.5) == [a, b]
    (rec,) = int8_candidate_records([qb], [a, b], [a, b], 0.5)
    assert rec["kept"] is False and rec["why"] == "no faster than its fp32 twin" and rec["fp32Level"] == "L1"


def test_compare_with_reference():
    new = [dict(fp32(0, 1.0, 86.0), id="L0"), dict(fp32(1, 2.0, 89.0), id="L1")]
    ref = [{"id": "R0", "latency": 0.99, "accuracy": 85.0}, {"id": "R1", "latency": 1.5, "accuracy": 86.5},
           {"id": "R2", "latency": 0.5, "accuracy": 80.0}]
    rows = compare_with_reference(new, ref, latency_tolerance=0.03)
    assert rows[0] == {"reference": "R0", "referenceTop1": 85.0, "referenceLatencyMs": 0.99, "atLeastAsAccurate": True,
                       "level": "L0", "top1": 86.0, "latencyMs": 1.0}
    assert rows[1]["level"] == "L0" and rows[1]["atLeastAsAccurate"] is False  # L1 is too slow, L0 less accurate
    assert rows[2] == {"reference": "R2", "referenceTop1": 80.0, "referenceLatencyMs": 0.5, "atLeastAsAccurate": False}


def test_fewer_levels_before_the_most_accurate_is_given_up():
    front = [{"latency": 1.0 + i, "accuracy": 80.0 + i, "bytes": 1} for i in range(8)]
    front[-1]["bytes"] = 3  # the most accurate point is big
    # 7 levels with it are over a budget of 8; 6 levels with it fit
    sel = select_levels(front, 7, size_key="bytes", max_total_size=8, min_levels=6)
    assert len(sel) == 6 and sel[-1] is front[-1] and sel[0] is front[0]
    # without min_levels the old rule holds: the slowest point goes
    sel = select_levels(front, 7, size_key="bytes", max_total_size=8)
    assert len(sel) == 7 and sel[-1] is front[-2]
