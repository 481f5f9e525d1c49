#!/usr/bin/env python3
"""Build the bundled Fashion-MNIST family (engines/fashion-ofa/) from a trained
supernet checkpoint (see train_fashion.py):

  1. candidate sub-networks (uniform k/e/d grid at every resolution + random),
  2. per candidate: extraction, BN re-calibration on 2,000 training images,
     top-1 on the full 10,000-image test set, ONNX export,
  3. CPU latency of every candidate (dynofa/export.py measure_latency: the addon,
     1 thread, batch 1, p50 of round-robin runs) and the near-Pareto front,
  4. int8 twins of the candidates near the front (static int8, calibrated on the
     family's calibration images: training images, shipped for TensorRT too), top-1
     of both twins through ONNX Runtime on the 10,000 test images,
  5. one interleaved latency run over the fp32 candidates near the front and
     (--compare-with) the levels of a reference family; each int8 twin is timed
     against its fp32 twin alone (round-robin) and its latency is its fp32 twin's
     times that ratio,
  6. the Pareto front of fp32 and int8 candidates together (an int8 candidate more
     than --max-int8-drop points below its twin may not compete) -> >= 6 levels spread
     in latency under a size budget; where int8 does not pay, no int8 level,
  7. ONNX files, family.json (with every int8 candidate measured, kept or not, and
     the comparison with the reference family), the 1,000-image labelled test
     sample, the calibration images, and the sample top-1 of every level.

    /usr/bin/python3 scripts/ofa/build_fashion_family.py \\
        --checkpoint /tmp/fashion-ofa/supernet.pt --out engines/fashion-ofa --compare-with engines/fashion-ofa
"""
import argparse
import datetime
import hashlib
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from dynofa.configs import SupernetSpec  # noqa: E402
from dynofa.data import FASHION_LABELS, FASHION_MEAN, FASHION_STD, load_fashion  # noqa: E402
from dynofa.export import check_onnx, export_onnx, measure_latency, measure_points  # noqa: E402
from dynofa.evaluation import calibrated_subnet, evaluate_top1, onnx_top1  # noqa: E402
from dynofa.int8_family import (add_selection_arguments, draw_calibration_images, int8_candidates_record,  # noqa: E402
                                 int8_twins, pairwise_int8_latency, CALIBRATION_FILE)
from dynofa.machine import describe, isa_list, machine  # noqa: E402
from dynofa.manifest import backbone_description, read_family, validate_family, write_json  # noqa: E402
from dynofa.selection import (candidate_configs, compare_with_reference, int8_candidate_records,  # noqa: E402
                              mixed_precision_front, near_pareto_front, select_levels, thin_front)
from dynofa.macs import subnet_cost  # noqa: E402
from dynofa.supernet import OFAMobileNetV3  # noqa: E402

LAT_KEY = "cpu-x64-1thread"


def log(*a):
    print(*a, flush=True)


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--out", default="engines/fashion-ofa")
    ap.add_argument("--candidates", type=int, default=200, help="number of candidate sub-networks (uniform grid + random)")
    ap.add_argument("--levels", type=int, default=7)
    ap.add_argument("--min-levels", type=int, default=6, help="fewer levels before the most accurate one is dropped for size")
    ap.add_argument("--calib-images", type=int, default=2000, help="training images for BN re-calibration")
    ap.add_argument("--sample-count", type=int, default=1000, help="labelled test images shipped as the sample (the demo's frames)")
    ap.add_argument("--max-onnx-mb", type=float, default=8.9,
                    help="size budget of all ONNX files (the sample adds 0.79 MB, the calibration images 0.2 MB; "
                         "the toolkit tests hold the whole family under 10 MB)")
    ap.add_argument("--runs", type=int, default=300, help="latency runs per candidate")
    ap.add_argument("--final-runs", type=int, default=2000, help="latency runs per model in the final interleaved run")
    ap.add_argument("--min-lat-ratio", type=float, default=1.1, help="min latency ratio between levels")
    ap.add_argument("--min-acc-gain", type=float, default=0.2, help="min top-1 gain between levels (points)")
    ap.add_argument("--int8", action=argparse.BooleanOptionalAction, default=True,
                    help="int8 twins of the candidates near the front compete on the same front (default on)")
    add_selection_arguments(ap, 256, "training images the int8 twins are calibrated on (shipped as the family's "
                                     "calibration images)")
    ap.add_argument("--compare-with", default=None,
                    help="a reference family folder (e.g. the current engines/fashion-ofa): its levels are timed in the "
                         "final run and the new family is compared with it")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2, help="PyTorch threads (evaluation); latency always uses 1")
    ap.add_argument("--work", default=None, help="scratch directory (default: a temp dir); keeps finished candidates")
    ap.add_argument("--train-command", action="append", default=None,
                    help="how the checkpoint was trained (repeatable; default: reconstructed from the checkpoint)")
    return ap.parse_args(argv)


def snapshot_reference(ref_dir: Path, work: Path):
    """The reference family's levels, copied first (it may be the output folder)."""
    fam = read_family(ref_dir)
    dest = work / "reference"
    dest.mkdir(parents=True, exist_ok=True)
    points = []
    for s in fam["subnets"]:
        shutil.copyfile(ref_dir / s["model"], dest / s["model"])
        points.append({"i": f"ref-{s['id']}", "id": s["id"], "onnx": str(dest / s["model"]),
                       "config": {"r": s["resolution"]}, "accuracy": s["accuracy"]["value"],
                       "precision": s.get("precision", "fp32")})
    return fam, points


def evaluate_candidates(sup, spec, cands, calib, x_te, y_te, mean, std, work, sig):
    """Top-1 (PyTorch, BN re-calibrated) and the ONNX export of every candidate; cached per checkpoint."""
    cache = work / f"candidates-{sig}.json"
    done = {}
    if cache.exists():
        for r in json.load(open(cache)):
            done[json.dumps(r["config"], sort_keys=True)] = r
    results = []
    for i, cfg in enumerate(cands):
        onnx_path = work / f"cand-{sig}-{i:03d}.onnx"
        if cfg.key() in done and onnx_path.exists():
            results.append({k: v for k, v in done[cfg.key()].items() if not k.startswith("latency")})
            continue
        t0 = time.time()
        net = calibrated_subnet(sup, cfg, calib, mean, std)
        acc = evaluate_top1(net, x_te, y_te, cfg.r, mean, std)
        export_onnx(net, str(onnx_path), cfg.r, spec.in_channels)
        cost = subnet_cost(spec, cfg)
        results.append({"i": i, "config": cfg.to_dict(), "accuracy": acc, "onnx": str(onnx_path),
                        "bytes": onnx_path.stat().st_size, "precision": "fp32", **cost})
        log(f"[{i + 1}/{len(cands)}] r={cfg.r} d={cfg.d} top1={acc:.2f} macs={cost['macs']} "
            f"params={cost['params']} ({time.time() - t0:.1f}s)")
        if (i + 1) % 10 == 0:
            write_json(cache, results)
    write_json(cache, results)
    return results


def measured_int8_twins(points, int8_calib, x_te, y_te, mean, std, work, sig):
    """int8 twins, cached per checkpoint and ONNX file."""
    cache = work / f"int8-{sig}-cal{len(int8_calib)}.json"
    done = {r["onnx"]: r for r in json.load(open(cache))} if cache.exists() else {}
    twins = int8_twins(points, int8_calib, x_te, y_te, mean, std, done=done, log=log)
    keep = ("onnx", "bytes", "floatNodes", "accuracy", "fp32Top1")
    write_json(cache, [{k: q[k] for k in keep} for q in twins])
    return twins


def train_commands(train_info, given):
    if given:
        return given
    cmds, info = [], train_info
    while info:
        cmds.insert(0, "/usr/bin/python3 scripts/ofa/train_fashion.py --steps %s --lr %s --warmup %s --seed %s "
                       "--threads %s" % (info.get("steps"), info.get("lr"), info.get("warmup"), info.get("seed"),
                                         info.get("threads")))
        info = info.get("resumedFrom")
    for j in range(len(cmds)):
        cmds[j] += (" --resume /tmp/fashion-ofa/supernet%s.pt" % ("" if j == 1 else j) if j else "") + \
            " --out /tmp/fashion-ofa/supernet%s.pt" % ("" if j == 0 else j + 1)
    return cmds


def level_model(lvl, r):
    """A level's ONNX file name in the family folder."""
    return f"L{lvl}.int8.onnx" if r.get("precision") == "int8" else f"L{lvl}.onnx"


def level_entry(lvl, r, a, s_acc):
    int8 = r.get("precision") == "int8"
    how = ("static int8 through ONNX Runtime, calibrated on the family's calibration images" if int8 else
           "PyTorch sub-network")
    entry = {"id": f"L{lvl}", "model": level_model(lvl, r)}
    if int8:
        entry["precision"] = "int8"
    entry.update({
        "resolution": r["config"]["r"], "config": r["config"],
        "accuracy": {"value": round(r["accuracy"], 2), "metric": "top1", "dataset": "fashion-mnist-test-10000",
                     "source": "measured",
                     "reference": f"BN re-calibrated on {a.calib_images} training images; {how}, preprocessing "
                                  "contract of input"},
        "sampleAccuracy": {"value": round(s_acc, 2), "metric": "top1", "dataset": f"bundled-sample-{a.sample_count}",
                           "source": "measured"},
        "macs": int(r["macs"]), "params": int(r["params"]),
        "latencyMs": {LAT_KEY: round(r["latency_final"], 4)},
    })
    return entry


def main(argv=None):
    a = parse_args(argv)
    torch.set_num_threads(a.threads)
    t_start = time.time()
    m = machine(1)
    log(f"machine: {describe(m)}")

    ck = torch.load(a.checkpoint, map_location="cpu")
    spec = SupernetSpec.from_dict(ck["spec"])
    sup = OFAMobileNetV3(spec)
    sup.load_state_dict(ck["state_dict"], strict=True)
    sup.eval()
    train_info = ck.get("train", {})
    mean, std = train_info.get("mean", FASHION_MEAN), train_info.get("std", FASHION_STD)

    x_tr, _ = load_fashion("train")
    x_te, y_te = load_fashion("test")
    calib = x_tr[np.random.RandomState(a.seed).choice(len(x_tr), a.calib_images, replace=False)]
    sample_idx = np.sort(np.random.RandomState(a.seed + 1).choice(len(x_te), a.sample_count, replace=False))
    x_s, y_s = x_te[sample_idx], y_te[sample_idx]
    int8_calib, calibration_entry = draw_calibration_images(x_tr, a.int8_calibration, a.seed + 2)

    work = Path(a.work) if a.work else Path(tempfile.mkdtemp(prefix="fashion-ofa-"))
    work.mkdir(parents=True, exist_ok=True)
    reference_fam, reference = snapshot_reference(Path(a.compare_with), work) if a.compare_with else (None, [])
    sig = hashlib.sha256(Path(a.checkpoint).read_bytes()).hexdigest()[:12]
    cands = candidate_configs(spec, a.candidates, a.seed)
    log(f"{len(cands)} candidates; work dir {work}")
    results = evaluate_candidates(sup, spec, cands, calib, x_te, y_te, mean, std, work, sig)

    log(f"latency of all candidates, fp32, {a.runs} round-robin runs each; {describe(m)}")
    measure_points(results, spec.in_channels, a.runs, "latency")
    front = near_pareto_front(results, "latency", "accuracy", 0.1)
    log(f"near-Pareto front (10% latency slack): {len(front)} points")
    fp32_final = list(front)
    twins = []
    if a.int8:
        tries = near_pareto_front(results, "latency", "accuracy", a.int8_slack)
        log(f"int8 twins of the {len(tries)} candidates within {a.int8_slack:.0%} latency of the front, calibrated on "
            f"{a.int8_calibration} training images; top-1 on {len(y_te)} test images through ONNX Runtime")
        twins = measured_int8_twins(tries, int8_calib, x_te, y_te, mean, std, work, sig)
        fp32_final += [p for p in tries if not any(p is f for f in front)]

    log(f"final latency: {len(fp32_final)} fp32 and {len(reference)} reference models interleaved, "
        f"{a.final_runs} runs each; {describe(m)}")
    measure_points(fp32_final + reference, spec.in_channels, a.final_runs, "latency_final")
    if twins:
        # int8 twins are not in the interleaved run: their latency comes from their fp32 twin's and the pair's ratio
        log(f"int8 against fp32, each pair alone ({a.final_runs} runs each, round-robin): an int8 twin's latency is its "
            "fp32 twin's times that ratio")
        pairwise_int8_latency(twins, spec.in_channels, a.final_runs, "latency_final")
    for p in fp32_final + twins + reference:
        twin = f" (int8/fp32 {p['latency_final'] / p['twin']['latency_final']:.3f})" if "twin" in p else ""
        log(f"  {p['i']}: {p.get('precision', 'fp32')} r={p['config']['r']} lat={p['latency_final']:.4f}ms "
            f"top1={p['accuracy']:.2f}{twin}")

    front2 = mixed_precision_front(fp32_final, twins, a.max_int8_drop, "latency_final", "accuracy")
    log(f"re-measured Pareto front (fp32 and int8): {len(front2)} points, "
        f"{sum(p.get('precision') == 'int8' for p in front2)} int8")
    front3 = thin_front(front2, "latency_final", "accuracy", a.min_lat_ratio, a.min_acc_gain)
    log(f"thinned front (>= {a.min_lat_ratio}x latency, >= {a.min_acc_gain} points apart): {len(front3)} points")
    kept = select_levels(front3, a.levels, "latency_final", "bytes", a.max_onnx_mb * 1e6, a.min_levels)
    for lvl, p in enumerate(kept):
        p["id"] = f"L{lvl}"
    log(f"levels: {len(kept)} ({sum(p.get('precision') == 'int8' for p in kept)} int8); latency span "
        f"{kept[-1]['latency_final'] / kept[0]['latency_final']:.2f}x")
    write_json(work / "front.json", [{k: v for k, v in p.items() if k != "twin"} for p in front2])

    int8_record = None
    if a.int8:
        int8_record = int8_candidates_record(
            m, a.final_runs, calibration_entry, a.max_int8_drop,
            int8_candidate_records(twins, kept, front2, a.max_int8_drop, "latency_final", "accuracy"), len(y_te))
        for c in int8_record["candidates"]:
            log(f"  int8 r={c['resolution']} macs={c['macs']}: int8/fp32 {c['int8OverFp32']:.3f}, top-1 "
                f"{c['int8']['top1']:.2f} vs {c['fp32']['top1']:.2f} ({c['top1Delta']:+.2f}); "
                f"{'kept as ' + c['level'] if c['kept'] else 'not kept'}: {c['why']}")
    comparison = None
    if reference:
        comparison = {
            "family": f"{a.compare_with}: {reference_fam['name']}, {len(reference)} levels, "
                      f"{reference_fam.get('produced', {}).get('train', {}).get('totalEpochs', '?')} epochs of training",
            "latencyTolerance": 0.03,
            "levels": compare_with_reference(kept, reference, "latency_final", "accuracy", 0.03),
            "span": round(kept[-1]["latency_final"] / kept[0]["latency_final"], 2),
            "referenceSpan": round(reference[-1]["latency_final"] / reference[0]["latency_final"], 2),
        }
        for row in comparison["levels"]:
            log(f"  reference {row['reference']} {row['referenceTop1']:.2f} % at {row['referenceLatencyMs']:.4f} ms -> "
                f"{row.get('level', 'none')} {row.get('top1', float('nan')):.2f} % at "
                f"{row.get('latencyMs', float('nan')):.4f} ms: {'ok' if row['atLeastAsAccurate'] else 'LESS ACCURATE'}")
        log(f"  latency span {comparison['span']}x (reference {comparison['referenceSpan']}x in the same run)")

    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    for f in out.glob("L*.onnx"):
        f.unlink()
    (out / "sample-images.u8").write_bytes(np.ascontiguousarray(x_s, dtype=np.uint8).tobytes())
    (out / "sample-labels.u8").write_bytes(np.ascontiguousarray(y_s, dtype=np.uint8).tobytes())
    (out / CALIBRATION_FILE).write_bytes(int8_calib.tobytes())

    subnets = []
    for lvl, r in enumerate(kept):
        model = out / level_model(lvl, r)
        shutil.copyfile(r["onnx"], model)
        check_onnx(str(model))
        s_acc = onnx_top1(str(model), x_s, y_s, r["config"]["r"], mean, std)
        entry = level_entry(lvl, r, a, s_acc)
        log(f"L{lvl}: {r.get('precision', 'fp32')} r={entry['resolution']} top1={r['accuracy']:.2f} sample={s_acc:.2f} "
            f"lat={r['latency_final']:.4f}ms macs={r['macs']} params={r['params']}")
        subnets.append(entry)
    # A level's profile is its latency among its own family, the way the runtime keeps it resident: the
    # interleaved run above (every candidate, caches colder) is for comparing candidates, not for the profile.
    own = measure_latency([{"id": e["id"], "model": str(out / e["model"]),
                            "shape": [1, spec.in_channels, e["resolution"], e["resolution"]]} for e in subnets],
                          runs=a.final_runs)
    for e in subnets:
        e["latencyMs"][LAT_KEY] = round(own[e["id"]]["p50"], 4)
        log(f"{e['id']}: {own[e['id']]['p50']:.4f} ms in its own family")

    measured_at = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    fam = {
        "schemaVersion": 1,
        "name": "fashion-ofa",
        "description": "OFA-MobileNetV3-style elastic supernet (kernel 3/5/7, expand 3/4/6, depth 2/3/4, "
                       "resolution 16-28) trained with weight sharing on Fashion-MNIST; Pareto-optimal "
                       "sub-networks (measured top-1 vs. measured CPU latency, fp32 and static int8 candidates "
                       "together) exported to ONNX.",
        "backbone": backbone_description(spec),
        "task": {"type": "classification", "classes": 10, "labels": FASHION_LABELS},
        "input": {"layout": "NCHW", "channels": 1, "format": "gray", "mean": [mean], "std": [std]},
        "weights": "trained",
        "produced": {
            "preprocess": "frame uint8 gray 28x28; x = pixel/255; bilinear resize to r x r (half-pixel "
                          "centres, align_corners=false, no antialias); (x - mean) / std",
            "train": {"script": "scripts/ofa/train_fashion.py",
                      "commands": train_commands(train_info, a.train_command),
                      **{k: v for k, v in train_info.items() if k not in ("mean", "std")}},
            "build": {"script": "scripts/ofa/build_fashion_family.py",
                      "command": "/usr/bin/python3 scripts/ofa/build_fashion_family.py "
                                 + " ".join(argv if argv is not None else sys.argv[1:]),
                      "candidates": len(results), "paretoPoints": len(front2),
                      "calibrationImages": a.calib_images, "seed": a.seed,
                      "latency": f"dynamic-ofa addon (loadFamily), 1 intra-op thread, batch 1, p50 of {a.final_runs} "
                                 f"round-robin runs; key {LAT_KEY}",
                      "sample": f"{a.sample_count} test images, indices drawn with numpy RandomState({a.seed + 1})",
                      **({"comparedWith": comparison} if comparison else {}),
                      "buildTimeS": round(time.time() - t_start, 1)},
            **({"int8Candidates": int8_record} if int8_record else {}),
            "latency": {"device": LAT_KEY, "cpu": m["cpu"], "isa": isa_list(m), "onnxruntime": m["onnxruntime"],
                        "how": f"p50 native latency through the dynamic-ofa addon, 1 intra-op thread, {a.final_runs} "
                               "runs per level, the family's levels round-robin in one run (the selection and the "
                               "comparison with the reference family timed every candidate interleaved in another "
                               "run, with colder caches)",
                        "measuredAt": measured_at},
            "torch": torch.__version__,
            "python": platform.python_version(),
            "cpu": platform.processor() or platform.machine(),
            "date": datetime.date.today().isoformat(),
        },
        "sample": {"images": "sample-images.u8", "labels": "sample-labels.u8", "count": int(a.sample_count),
                   "width": 28, "height": 28, "channels": 1},
        "calibration": calibration_entry,
        "subnets": subnets,
    }
    validate_family(fam)
    write_json(out / "family.json", fam)
    total = sum(f.stat().st_size for f in out.iterdir() if f.is_file())
    log(f"wrote {out} ({total} bytes)")
    if total > 10e6:
        log("WARNING: family larger than 10 MB (the toolkit tests refuse it)")


if __name__ == "__main__":
    main()
