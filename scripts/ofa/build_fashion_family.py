#!/usr/bin/env python3
"""Build the bundled Fashion-MNIST family (engines/fashion-ofa/) from a trained
supernet checkpoint (see train_fashion.py):

  1. candidate sub-networks (uniform k/e/d grid at every resolution + random),
  2. per candidate: extraction, BN re-calibration on 2,000 training images,
     top-1 on the full 10,000-image test set,
  3. ONNX export and CPU latency (measure_latency: onnxruntime-node, 1 thread,
     batch 1, p50 of round-robin runs),
  4. Pareto front (latency, top-1) -> >= 6 levels spread in latency, under a
     size budget, latency re-measured,
  5. ONNX files, family.json, a 1,000-image labelled test sample, and the
     sample top-1 of every exported ONNX model through ONNX Runtime.

    /usr/bin/python3 scripts/ofa/build_fashion_family.py \
        --checkpoint /tmp/fashion-ofa/supernet.pt --out engines/fashion-ofa
"""
import argparse
import datetime
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
from dynofa.data import FASHION_LABELS, FASHION_MEAN, FASHION_STD, load_fashion, preprocess  # noqa: E402
from dynofa.export import check_onnx, export_onnx, measure_latency, run_onnx  # noqa: E402
from dynofa.evaluation import calibrated_subnet, evaluate_top1  # noqa: E402
from dynofa.manifest import backbone_description, validate_family, write_json  # noqa: E402
from dynofa.selection import candidate_configs, near_pareto_front, pareto_front, select_levels, thin_front  # noqa: E402
from dynofa.macs import subnet_cost  # noqa: E402
from dynofa.supernet import OFAMobileNetV3  # noqa: E402

LAT_KEY = "cpu-x64-1thread"


def log(*a):
    print(*a, flush=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--out", default="engines/fashion-ofa")
    ap.add_argument("--candidates", type=int, default=200, help="number of candidate sub-networks (uniform grid + random)")
    ap.add_argument("--levels", type=int, default=7)
    ap.add_argument("--calib-images", type=int, default=2000)
    ap.add_argument("--sample-count", type=int, default=1000)
    ap.add_argument("--max-onnx-mb", type=float, default=9.1,
                    help="size budget of all ONNX files (the 1,000-image sample adds 0.79 MB)")
    ap.add_argument("--runs", type=int, default=300, help="latency runs per candidate")
    ap.add_argument("--final-runs", type=int, default=2000, help="latency runs per chosen level")
    ap.add_argument("--min-lat-ratio", type=float, default=1.1, help="min latency ratio between levels")
    ap.add_argument("--min-acc-gain", type=float, default=0.2, help="min top-1 gain between levels (points)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--work", default=None, help="scratch directory (default: a temp dir)")
    ap.add_argument("--train-log", default=None, help="training log to take provenance from")
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    t_start = time.time()

    ck = torch.load(a.checkpoint, map_location="cpu")
    spec = SupernetSpec.from_dict(ck["spec"])
    sup = OFAMobileNetV3(spec)
    sup.load_state_dict(ck["state_dict"], strict=True)
    sup.eval()
    train_info = ck.get("train", {})
    mean, std = train_info.get("mean", FASHION_MEAN), train_info.get("std", FASHION_STD)

    x_tr, _ = load_fashion("train")
    x_te, y_te = load_fashion("test")
    rs = np.random.RandomState(a.seed)
    calib = x_tr[rs.choice(len(x_tr), a.calib_images, replace=False)]
    sample_idx = np.sort(np.random.RandomState(a.seed + 1).choice(len(x_te), a.sample_count, replace=False))
    x_s, y_s = x_te[sample_idx], y_te[sample_idx]

    work = Path(a.work) if a.work else Path(tempfile.mkdtemp(prefix="fashion-ofa-"))
    work.mkdir(parents=True, exist_ok=True)
    cands = candidate_configs(spec, a.candidates, a.seed)
    log(f"{len(cands)} candidates; work dir {work}")

    results = []
    import hashlib
    sig = hashlib.sha256(Path(a.checkpoint).read_bytes()).hexdigest()[:12]
    cache = work / f"candidates-{sig}.json"  # per checkpoint
    done = {}
    if cache.exists():
        for r in json.load(open(cache)):
            done[json.dumps(r["config"], sort_keys=True)] = r
    for i, cfg in enumerate(cands):
        key = cfg.key()
        onnx_path = work / f"cand-{sig}-{i:03d}.onnx"
        if key in done and onnx_path.exists():
            results.append(done[key])
            continue
        t0 = time.time()
        net = calibrated_subnet(sup, cfg, calib, mean, std)
        acc = evaluate_top1(net, x_te, y_te, cfg.r, mean, std)
        export_onnx(net, str(onnx_path), cfg.r, spec.in_channels)
        cost = subnet_cost(spec, cfg)
        results.append({"i": i, "config": cfg.to_dict(), "accuracy": acc, "onnx": str(onnx_path),
                        "bytes": onnx_path.stat().st_size, **cost})
        log(f"[{i + 1}/{len(cands)}] r={cfg.r} d={cfg.d} top1={acc:.2f} macs={cost['macs']} "
            f"params={cost['params']} ({time.time() - t0:.1f}s)")
        if (i + 1) % 10 == 0:
            write_json(cache, results)
    write_json(cache, results)

    log("measuring latency of all candidates ...")
    lat = measure_latency([{"id": str(r["i"]), "model": r["onnx"], "shape": [1, spec.in_channels,
                            r["config"]["r"], r["config"]["r"]]} for r in results], runs=a.runs)
    for r in results:
        r["latency"] = lat[str(r["i"])]["p50"]
    write_json(cache, results)

    front = near_pareto_front(results, "latency", "accuracy", 0.1)
    log(f"near-Pareto front (10% latency slack): {len(front)} points")
    for p in front:
        log(f"  lat={p['latency']:.4f}ms top1={p['accuracy']:.2f} macs={p['macs']} r={p['config']['r']}")
    # re-measure the whole front with many runs, recompute it, then pick the levels
    lat2 = measure_latency([{"id": str(r["i"]), "model": r["onnx"], "shape": [1, spec.in_channels,
                             r["config"]["r"], r["config"]["r"]]} for r in front], runs=a.final_runs)
    for r in front:
        r["latency_final"] = lat2[str(r["i"])]["p50"]
        r["latency_stats"] = lat2[str(r["i"])]
    front2 = pareto_front(front, "latency_final", "accuracy")
    log(f"re-measured Pareto front: {len(front2)} points")
    front3 = thin_front(front2, "latency_final", "accuracy", a.min_lat_ratio, a.min_acc_gain)
    log(f"thinned front (>= {a.min_lat_ratio}x latency, >= {a.min_acc_gain} points apart): {len(front3)} points")
    for p in front3:
        log(f"  lat={p['latency_final']:.4f}ms top1={p['accuracy']:.2f} params={p['params']} r={p['config']['r']}")
    kept = select_levels(front3, a.levels, "latency_final", "bytes", a.max_onnx_mb * 1e6)
    log(f"levels: {len(kept)}; latency span {kept[-1]['latency_final'] / kept[0]['latency_final']:.2f}x")
    write_json(work / "front.json", front)

    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    for f in out.glob("L*.onnx"):
        f.unlink()
    (out / "sample-images.u8").write_bytes(np.ascontiguousarray(x_s, dtype=np.uint8).tobytes())
    (out / "sample-labels.u8").write_bytes(np.ascontiguousarray(y_s, dtype=np.uint8).tobytes())

    subnets = []
    for lvl, r in enumerate(kept):
        name = f"L{lvl}.onnx"
        shutil.copyfile(r["onnx"], out / name)
        check_onnx(str(out / name))
        res = r["config"]["r"]
        xs = preprocess(torch.from_numpy(np.array(x_s)), res, mean, std).numpy()
        logits = run_onnx(str(out / name), xs, per_sample=True)
        s_acc = 100.0 * float((logits.argmax(1) == y_s).mean())
        log(f"L{lvl}: r={res} top1={r['accuracy']:.2f} sample={s_acc:.2f} lat={r['latency_final']:.4f}ms "
            f"macs={r['macs']} params={r['params']}")
        subnets.append({
            "id": f"L{lvl}", "model": name, "resolution": res, "config": r["config"],
            "accuracy": {"value": round(r["accuracy"], 2), "metric": "top1",
                         "dataset": "fashion-mnist-test-10000", "source": "measured",
                         "reference": f"BN re-calibrated on {a.calib_images} training images; "
                                      "PyTorch sub-network, preprocessing contract of input"},
            "sampleAccuracy": {"value": round(s_acc, 2), "metric": "top1", "dataset": "bundled-sample-1000",
                               "source": "measured"},
            "macs": int(r["macs"]), "params": int(r["params"]),
            "latencyMs": {LAT_KEY: round(r["latency_final"], 4)},
        })

    def train_cmd(info):
        cmd = ("/usr/bin/python3 scripts/ofa/train_fashion.py --steps %s --lr %s --warmup %s --seed %s "
               "--threads %s" % (info.get("steps"), info.get("lr"), info.get("warmup"), info.get("seed"),
                                 info.get("threads")))
        return cmd
    cmds = []
    info = train_info
    while info:
        cmds.insert(0, train_cmd(info))
        info = info.get("resumedFrom")
    for j in range(len(cmds)):
        cmds[j] += (" --resume /tmp/fashion-ofa/supernet%s.pt" % ("" if j == 1 else j) if j else "") + \
            " --out /tmp/fashion-ofa/supernet%s.pt" % ("" if j == 0 else j + 1)

    fam = {
        "schemaVersion": 1,
        "name": "fashion-ofa",
        "description": "OFA-MobileNetV3-style elastic supernet (kernel 3/5/7, expand 3/4/6, depth 2/3/4, "
                       "resolution 16-28) trained with weight sharing on Fashion-MNIST; Pareto-optimal "
                       "sub-networks (measured top-1 vs. measured CPU latency) exported to ONNX.",
        "backbone": backbone_description(spec),
        "task": {"type": "classification", "classes": 10, "labels": FASHION_LABELS},
        "input": {"layout": "NCHW", "channels": 1, "format": "gray", "mean": [mean], "std": [std]},
        "weights": "trained",
        "produced": {
            "preprocess": "frame uint8 gray 28x28; x = pixel/255; bilinear resize to r x r (half-pixel "
                          "centres, align_corners=false, no antialias); (x - mean) / std",
            "train": {"script": "scripts/ofa/train_fashion.py",
                      "commands": cmds,
                      **{k: v for k, v in train_info.items() if k not in ("mean", "std")}},
            "build": {"script": "scripts/ofa/build_fashion_family.py",
                      "command": "/usr/bin/python3 scripts/ofa/build_fashion_family.py --checkpoint "
                                 + a.checkpoint + " --out engines/fashion-ofa",
                      "candidates": len(results), "paretoPoints": len(front2),
                      "calibrationImages": a.calib_images, "seed": a.seed,
                      "latency": f"onnxruntime-node (JS), 1 intra-op thread, batch 1, p50 of {a.final_runs} "
                                 f"round-robin runs; key {LAT_KEY}",
                      "sample": f"{a.sample_count} test images, indices drawn with numpy RandomState({a.seed + 1})",
                      "buildTimeS": round(time.time() - t_start, 1)},
            "torch": torch.__version__,
            "python": platform.python_version(),
            "cpu": platform.processor() or platform.machine(),
            "date": datetime.date.today().isoformat(),
        },
        "sample": {"images": "sample-images.u8", "labels": "sample-labels.u8", "count": int(a.sample_count),
                   "width": 28, "height": 28, "channels": 1},
        "subnets": subnets,
    }
    validate_family(fam)
    write_json(out / "family.json", fam)
    total = sum(f.stat().st_size for f in out.iterdir() if f.is_file())
    log(f"wrote {out} ({total} bytes)")
    if total > 10e6:
        log("WARNING: family larger than 10 MB")


if __name__ == "__main__":
    main()
