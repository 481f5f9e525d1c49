#!/usr/bin/env python3
"""Per-device sub-network search: sample candidate configs of a supernet,
measure their latency on this device, get their accuracy (measured on a
dataset, or from OFA's accuracy predictor, or from a table), keep the Pareto
front and write a family (ONNX files + family.json).

    # trained Fashion-MNIST supernet, accuracy measured on the test set; --int8: static int8 twins of the
    # candidates near the front compete on the same front (latency interleaved with their fp32 twins)
    /usr/bin/python3 scripts/ofa/search.py --supernet /tmp/fashion-ofa/supernet.pt \
        --dataset fashion-mnist --device cpu --count 60 [--int8] --out /tmp/my-fashion-family

    # OFA w1.2 (checkpoint optional: synthetic weights otherwise), accuracy from the predictor
    /usr/bin/python3 scripts/ofa/search.py --supernet w1.2 [--checkpoint ofa_w1.2.pth] \
        --predictor acc_predictor.pth --device cpu --count 40 --out /tmp/w12-cpu

Latency: scripts/ofa/dynofa/export.py:measure_latency (through the package's loadFamily; 1 thread,
batch 1, p50) -- the one function to replace for another runtime.
"""
import argparse
import datetime
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from dynofa.configs import ConfigError, get_spec, random_config, validate_config, min_config, max_config  # noqa: E402
from dynofa.export import export_onnx, measure_points  # noqa: E402
from dynofa.int8_family import add_selection_arguments  # noqa: E402
from dynofa.cli import run_cli  # noqa: E402
from dynofa.manifest import validate_family, write_json  # noqa: E402
from dynofa.macs import subnet_cost  # noqa: E402
from dynofa.machine import describe, machine  # noqa: E402
from dynofa.selection import (int8_candidate_records, mixed_precision_front, near_pareto_front,  # noqa: E402
                              pareto_front, select_levels)
from dynofa.subnet import extract_subnet, recalibrate_bn  # noqa: E402
from dynofa.weights import IMAGENET_MEAN, IMAGENET_STD, calibration_batches, load_supernet  # noqa: E402


def log(*a):
    print(*a, flush=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--supernet", required=True,
                    help="preset (w1.0, w1.2, fashion) or a checkpoint written by train_fashion.py")
    ap.add_argument("--checkpoint", default=None, help="OFA checkpoint for a preset supernet")
    ap.add_argument("--device", default="cpu", choices=["cpu"],
                    help="latency device (cpu: through the dynamic-ofa addon; GPU/DLA: build the family's engines on the Jetson and profile them with dynamic-ofa build-engines)")
    ap.add_argument("--count", type=int, default=50, help="candidate sub-networks")
    ap.add_argument("--out", required=True, help="output family directory")
    ap.add_argument("--name", default=None)
    ap.add_argument("--levels", type=int, default=6)
    ap.add_argument("--resolutions", default=None, help="comma-separated resolutions to sample")
    ap.add_argument("--dataset", choices=["fashion-mnist"], default=None,
                    help="measure accuracy on this dataset (Fashion-MNIST test set)")
    ap.add_argument("--predictor", default=None, help="OFA acc_predictor.pth (ImageNet, predicted top-1)")
    ap.add_argument("--accuracy-table", default=None,
                    help="JSON list of {config, top1}: candidates are the table's configs")
    ap.add_argument("--calibration", default=None, help="calibration image directory (ImageNet supernets)")
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--latency-key", default="cpu-ort", help="device key of latencyMs in family.json")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--int8", action="store_true",
                    help="static int8 twins of the candidates near the front compete on the same front (needs --dataset)")
    add_selection_arguments(ap, 500, "training images the int8 twins calibrate on")
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    if not (a.dataset or a.predictor or a.accuracy_table):
        ap.error("accuracy source needed: --dataset, --predictor or --accuracy-table")
    if a.int8 and not a.dataset:
        raise ConfigError("--int8 needs --dataset: an int8 candidate's accuracy is measured, not predicted")

    if os.path.exists(a.supernet):
        sup, kind = load_supernet(None, a.supernet)
    else:
        spec = get_spec(a.supernet)
        sup, kind = load_supernet(spec, a.checkpoint)
    spec = sup.spec
    res = [int(r) for r in a.resolutions.split(",")] if a.resolutions else list(spec.resolutions)
    rng = random.Random(a.seed)

    table = None
    if a.accuracy_table:
        table = json.loads(Path(a.accuracy_table).read_text())
        cands = [validate_config(t["config"], spec) for t in table]
    else:
        cands = [min_config(spec, min(res)), max_config(spec, max(res))]
        seen = {c.key() for c in cands}
        while len(cands) < a.count:
            c = random_config(spec, rng, res)
            if c.key() not in seen:
                seen.add(c.key())
                cands.append(c)

    mean, std = None, None
    if a.dataset == "fashion-mnist":
        from dynofa.data import FASHION_LABELS, FASHION_MEAN, FASHION_STD, load_fashion
        from dynofa.evaluation import calibrated_subnet, evaluate_top1
        if spec.in_channels != 1 or spec.n_classes != 10:
            raise ConfigError("--dataset fashion-mnist needs a 1-channel 10-class supernet")
        x_tr, _ = load_fashion("train")
        x_te, y_te = load_fashion("test")
        calib = x_tr[np.random.RandomState(a.seed).choice(len(x_tr), 2000, replace=False)]
        mean, std = FASHION_MEAN, FASHION_STD
    predictor = None
    if a.predictor:
        from dynofa.predictor import AccuracyPredictor
        predictor = AccuracyPredictor.load(a.predictor)

    work = Path(tempfile.mkdtemp(prefix="ofa-search-"))
    results = []
    t0 = time.time()
    for i, cfg in enumerate(cands):
        if a.dataset:
            net = calibrated_subnet(sup, cfg, calib, mean, std)
            acc, src = evaluate_top1(net, x_te, y_te, cfg.r, mean, std), "measured"
        else:
            net = extract_subnet(sup, cfg)
            if a.calibration or kind == "synthetic":
                recalibrate_bn(net, calibration_batches(a.calibration, cfg.r, 2000, seed=a.seed,
                                                        in_channels=spec.in_channels))
            if table is not None:
                acc, src = float(table[i]["top1"]), "table"
            else:
                acc, src = 100.0 * predictor.predict([cfg], spec)[0], "predicted"
        net.eval()
        path = work / f"c{i:04d}.onnx"
        export_onnx(net, str(path), cfg.r, spec.in_channels)
        results.append({"i": i, "config": cfg.to_dict(), "accuracy": acc, "source": src, "onnx": str(path),
                        "bytes": path.stat().st_size, **subnet_cost(spec, cfg)})
        log(f"[{i + 1}/{len(cands)}] r={cfg.r} acc={acc:.2f} ({src}) macs={results[-1]['macs']}")
    m = machine(1)
    log(f"latency of {len(results)} candidates, {a.runs} round-robin runs each; {describe(m)}")
    measure_points(results, spec.in_channels, a.runs, "latency")
    twins, calibration = [], None
    if a.int8:
        from dynofa.int8_family import draw_calibration_images, int8_candidates_record, int8_twins, pairwise_int8_latency
        tries = near_pareto_front(results, "latency", "accuracy", a.int8_slack)
        x_cal, calibration = draw_calibration_images(x_tr, a.int8_calibration, a.seed + 2)
        log(f"int8 twins of the {len(tries)} candidates within {a.int8_slack:.0%} latency of the front")
        twins = int8_twins(tries, x_cal, x_te, y_te, mean, std, log=log)
        log(f"int8 against fp32, each pair alone, {a.runs} runs each; {describe(m)}")
        pairwise_int8_latency(twins, spec.in_channels, a.runs, "latency")
        front = mixed_precision_front(tries, twins, a.max_int8_drop)
    else:
        front = pareto_front(results)
    chosen = select_levels(front, a.levels)
    log(f"{len(front)} Pareto points, {len(chosen)} levels ({sum(p.get('precision') == 'int8' for p in chosen)} int8)")

    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "candidates.json", [{k: v for k, v in r.items() if k not in ("onnx", "twin")} for r in results + twins])
    lat_key = a.latency_key
    subnets = []
    for lvl, r in enumerate(chosen):
        int8 = r.get("precision") == "int8"
        model = f"L{lvl}.int8.onnx" if int8 else f"L{lvl}.onnx"
        shutil.copyfile(r["onnx"], out / model)
        subnets.append({
            "id": f"L{lvl}", "model": model, **({"precision": "int8"} if int8 else {}),
            "resolution": r["config"]["r"], "config": r["config"],
            "accuracy": {"value": round(r["accuracy"], 3), "metric": "top1",
                         "dataset": "fashion-mnist-test-10000" if a.dataset else (
                             "ofa-imagenet-holdout-10000" if predictor else "table"),
                         "source": r.get("source", "measured")},
            "macs": r["macs"], "params": r["params"], "latencyMs": {lat_key: round(r["latency"], 4)},
        })
    rgb = spec.in_channels == 3
    if not rgb and mean is None:
        from dynofa.data import FASHION_MEAN as mean, FASHION_STD as std  # noqa: F811
    if rgb:
        labels = [f"imagenet-{i:03d}" for i in range(spec.n_classes)]
    elif spec.n_classes == 10 and a.dataset:
        labels = FASHION_LABELS
    else:
        labels = [f"class-{i}" for i in range(spec.n_classes)]
    fam = {
        "schemaVersion": 1,
        "name": a.name or out.name,
        "description": f"Pareto-optimal sub-networks of {spec.name} searched on this device ({a.device}).",
        "backbone": {"type": "ofa-mbv3", "supernet": spec.name, "spec": spec.to_dict()},
        "task": {"type": "classification", "classes": spec.n_classes, "labels": labels},
        "input": {"layout": "NCHW", "channels": spec.in_channels, "format": "rgb" if rgb else "gray",
                  "mean": list(IMAGENET_MEAN) if rgb else [mean], "std": list(IMAGENET_STD) if rgb else [std]},
        "weights": kind,
        "produced": {"script": "scripts/ofa/search.py", "argv": sys.argv[1:], "seed": a.seed,
                     "candidates": len(results), "paretoPoints": len(front),
                     "latency": f"dynamic-ofa addon (or onnxruntime-node when not built), 1 thread, batch 1, p50 of {a.runs} runs",
                     "seconds": round(time.time() - t0, 1), "torch": torch.__version__,
                     "date": datetime.date.today().isoformat()},
        "subnets": subnets,
    }
    if a.int8:
        (out / calibration["images"]).write_bytes(x_cal.tobytes())
        fam["calibration"] = calibration
        fam["produced"]["int8Candidates"] = int8_candidates_record(
            m, a.runs, calibration, a.max_int8_drop, int8_candidate_records(twins, chosen, front, a.max_int8_drop),
            len(y_te))
    validate_family(fam)
    write_json(out / "family.json", fam)
    shutil.rmtree(work, ignore_errors=True)
    log(f"wrote {out}")


if __name__ == "__main__":
    run_cli(main)
