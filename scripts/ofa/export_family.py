#!/usr/bin/env python3
"""Export the ONNX files of a sub-network family described by <family>/family.json.

    /usr/bin/python3 scripts/ofa/export_family.py --family engines/ofa-mbv3-w12 \
        [--checkpoint ofa_mbv3_d234_e346_k357_w1.2.pth] [--calibration DIR] [--dynamic-batch] [--check] [--int8]

Without --checkpoint the supernet gets deterministic synthetic weights (seeded)
and family.json is updated to "weights": "synthetic" (latency is real,
accuracy is not). With an OFA checkpoint it becomes "pretrained"; each
sub-network's BN statistics are re-calibrated on --calibration images
(a directory of images, OFA eval transform at the sub-network's resolution)
when given. BN is folded into the convolutions; input "input" [1,C,r,r]
(or [N,C,r,r] with --dynamic-batch), output "logits". --int8 also writes
static int8 siblings (L5.int8.onnx, see quantize_family.py) calibrated on the
--calibration images, or on seeded noise for synthetic weights (latency only),
and records each as the level's "sibling" in family.json (what the bench's
int8/fp32 ratio measures); an export without --int8 drops those records. An int8
level (precision int8) is quantized from its fp32 sibling's export (--int8).
"""
import argparse
import datetime
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

from dynofa.configs import ConfigError, get_spec, validate_config  # noqa: E402
from dynofa.export import DEFAULT_OPSET, check_onnx, export_onnx, ort_available, parity  # noqa: E402
from dynofa.cli import run_cli  # noqa: E402
from dynofa.manifest import read_family, validate_family, write_json  # noqa: E402
from dynofa import int8_family  # noqa: E402
from dynofa.macs import subnet_cost  # noqa: E402
from dynofa.subnet import extract_subnet, recalibrate_bn  # noqa: E402
from dynofa.weights import calibration_batches, load_supernet  # noqa: E402


def supernet_name(fam):
    b = fam.get("backbone", {})
    name = b.get("supernet")
    if not name:
        raise ConfigError("family.json backbone.supernet must name the supernet (e.g. ofa_mbv3_d234_e346_k357_w1.2)")
    return name


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--family", required=True, help="family directory holding family.json")
    ap.add_argument("--checkpoint", default=None, help="supernet checkpoint (OFA .pth or this toolkit's .pt)")
    ap.add_argument("--calibration", default=None, help="directory of calibration images for BN re-calibration")
    ap.add_argument("--calib-images", type=int, default=2000)
    ap.add_argument("--dynamic-batch", action="store_true")
    ap.add_argument("--opset", type=int, default=DEFAULT_OPSET)
    ap.add_argument("--levels", default=None, help="comma-separated subnet ids to export (default: all)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the synthetic weights")
    ap.add_argument("--check", action="store_true", help="parity check vs PyTorch through ONNX Runtime")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--int8", action="store_true", help="also write static int8 siblings (L5.int8.onnx)")
    int8_family.add_arguments(ap)
    a = ap.parse_args(argv)
    if a.int8 and a.dynamic_batch:
        raise ConfigError("--int8 needs batch-1 models (drop --dynamic-batch)")
    torch.set_num_threads(a.threads)

    fam_dir = Path(a.family)
    fam_path = fam_dir / "family.json"
    fam = read_family(fam_dir)
    spec = get_spec(supernet_name(fam))
    if a.checkpoint is None:
        from dynofa.weights import synthetic_supernet
        sup, kind = synthetic_supernet(spec, a.seed), "synthetic"
    else:
        sup, kind = load_supernet(spec, a.checkpoint)
    if a.int8 and kind != "synthetic" and not a.calibration and not fam.get("calibration"):
        raise ConfigError("--int8 with trained weights needs --calibration (a directory of images) or the family's "
                          "calibration images")
    want = set(a.levels.split(",")) if a.levels else None
    for s in fam["subnets"]:  # before any level is extracted or written
        if want and s["id"] not in want:
            continue
        fp32_file, _ = int8_family.precision_pair(fam_dir, s)
        if s.get("precision", "fp32") == "int8" and (fp32_file is None or not a.int8):
            raise ConfigError(f"{s['id']} is an int8 level: it is quantized from its fp32 export, which needs --int8 "
                              "and an fp32 sibling in family.json")
    t0 = time.time()
    for s in fam["subnets"]:
        if want and s["id"] not in want:
            continue
        cfg = validate_config(s["config"], spec)
        if cfg.r != s["resolution"]:
            raise ConfigError(f"{s['id']}: config r={cfg.r} != resolution {s['resolution']}")
        net = extract_subnet(sup, cfg)
        if a.calibration or kind == "synthetic":
            # synthetic weights: calibrate on seeded noise so activations stay in range
            recalibrate_bn(net, calibration_batches(a.calibration, cfg.r, a.calib_images, seed=a.seed,
                                                    in_channels=spec.in_channels))
        net.eval()
        fp32_file, _ = int8_family.precision_pair(fam_dir, s)
        if not a.int8 and s.get("sibling", {}).get("precision") == "int8":
            del s["sibling"]  # an int8 sibling of the old export is stale
        out = fp32_file
        export_onnx(net, str(out), cfg.r, spec.in_channels, opset=a.opset, dynamic_batch=a.dynamic_batch)
        check_onnx(str(out))
        cost = subnet_cost(spec, cfg)
        s["macs"], s["params"] = cost["macs"], cost["params"]
        msg = f"{s['id']}: {out} ({out.stat().st_size} bytes, r={cfg.r}, {cost['macs'] / 1e6:.1f} MMACs)"
        if a.check:
            if not ort_available():
                raise RuntimeError("--check needs node and onnxruntime-node")
            x = torch.randn(1, spec.in_channels, cfg.r, cfg.r, generator=torch.Generator().manual_seed(0))
            d = parity(net, str(out), x)
            msg += f" parity max|diff|={d:.2e}"
            if d > 1e-4:
                raise RuntimeError(f"{s['id']}: ONNX parity {d} > 1e-4")
        print(msg, flush=True)
    int8 = None
    if a.int8:
        source = a.calibration or (int8_family.FAMILY if fam.get("calibration") else int8_family.NOISE)
        reports = int8_family.quantize_levels(fam_dir, fam, source, int8_family.calibration_count(a, source),
                                              a.seed, int8_family.options_from_args(a), want)
        int8 = {"calibration": "directory given" if a.calibration else (
                    "the family's calibration images" if source == int8_family.FAMILY else "seeded noise (latency only)"),
                "options": next(iter(reports.values()))["options"] if reports else None,
                "models": [r["model"] for r in reports.values()]}
        for s in fam["subnets"]:
            if s["id"] in reports and s.get("precision", "fp32") == "fp32":
                s["sibling"] = {"precision": "int8", "model": reports[s["id"]]["model"]}
    fam["weights"] = kind
    prod = fam.setdefault("produced", {})
    prod["export"] = {
        "script": "scripts/ofa/export_family.py",
        "weights": kind,
        "checkpoint": os.path.basename(a.checkpoint) if a.checkpoint else None,
        "syntheticSeed": a.seed if kind == "synthetic" else None,
        "calibration": "directory given" if a.calibration else (
            "seeded Gaussian noise (synthetic weights)" if kind == "synthetic" else "none (checkpoint BN stats)"),
        "dynamicBatch": bool(a.dynamic_batch), "opset": a.opset, "bnFolded": True, "int8": int8,
        "torch": torch.__version__, "date": datetime.date.today().isoformat(),
        "seconds": round(time.time() - t0, 1),
    }
    validate_family(fam)
    write_json(fam_path, fam)
    print(f"updated {fam_path} (weights: {kind})")


if __name__ == "__main__":
    run_cli(main)
