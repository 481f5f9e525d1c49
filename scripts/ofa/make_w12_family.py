#!/usr/bin/env python3
"""Write engines/ofa-mbv3-w12/family.json: the 6 Jetson Xavier NX GPU levels
(nets_6) of the Dynamic-OFA reference set, from
../shared/reference/dynamic-ofa/dynamic_ofa_subnets.json.

    /usr/bin/python3 scripts/ofa/make_w12_family.py [--reference PATH] [--out engines/ofa-mbv3-w12]

The ONNX files are not committed: export them with export_family.py.
"""
import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from dynofa.configs import OFA_MBV3_W12, validate_config  # noqa: E402
from dynofa.manifest import backbone_description, validate_family, write_json  # noqa: E402
from dynofa.macs import subnet_cost  # noqa: E402
from dynofa.weights import IMAGENET_MEAN, IMAGENET_STD  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
DEFAULT_REF = REPO.parent / "shared" / "reference" / "dynamic-ofa" / "dynamic_ofa_subnets.json"
DYN_OFA = "Lou et al., Dynamic-OFA, CVPR Workshops (ECV) 2021, arXiv 2105.03596; UoS-EEC/DynamicOFA " \
          "runtime_demo/runtime_adjustment/nets_6.pickle (accu_lat)"


def build(ref_path: Path):
    data = json.loads(Path(ref_path).read_text())
    levels = data["sets"]["nets_6"]["levels"]
    spec = OFA_MBV3_W12
    subnets = []
    for lvl in sorted(levels, key=lambda l: l["level"]):
        cfg = validate_config(lvl["config"], spec)
        cost = subnet_cost(spec, cfg)
        d = lvl["derived"]
        subnets.append({
            "id": f"L{lvl['level']}",
            "model": f"L{lvl['level']}.onnx",
            "resolution": cfg.r,
            "config": cfg.to_dict(),
            "accuracy": {"value": lvl["top1"], "metric": "top1", "dataset": "imagenet-val-50000",
                         "source": "reported",
                         "reference": DYN_OFA + "; w1.2 supernet weights, BN re-calibrated, no fine-tuning; "
                                      "paper Fig. 4a latency %.1f ms" % d["paper_fig4a_gpu_latency_ms"]},
            "macs": cost["macs"],
            "params": cost["params"],
            "latencyMs": {"xavier-nx-gpu": lvl["latency_ms"]},
        })
    fam = {
        "schemaVersion": 1,
        "name": "ofa-mbv3-w12",
        "description": "The 6 Jetson Xavier NX GPU levels (nets_6) of Dynamic-OFA, sub-networks of the OFA "
                       "supernet ofa_mbv3_d234_e346_k357_w1.2 (ImageNet). Accuracy and Xavier NX latency "
                       "are the authors' reported values. ONNX files are exported on demand by "
                       "scripts/ofa/export_family.py: with the published checkpoint (weights: pretrained) "
                       "or, without it, deterministic synthetic weights (weights: synthetic; real latency, "
                       "meaningless accuracy).",
        "backbone": backbone_description(spec),
        "task": {"type": "classification", "classes": 1000,
                 "labels": [f"imagenet-{i:03d}" for i in range(1000)]},
        "input": {"layout": "NCHW", "channels": 3, "format": "rgb", "mean": list(IMAGENET_MEAN),
                  "std": list(IMAGENET_STD)},
        "weights": "synthetic",
        "produced": {
            "family": {"script": "scripts/ofa/make_w12_family.py",
                       "source": "dynamic_ofa_subnets.json sets.nets_6 (decoded from the DynamicOFA repo)",
                       "device": data["sets"]["nets_6"].get("device"),
                       "labels": "ILSVRC-2012 class indices 0..999 in the standard (OFA / torchvision) order; "
                                 "human-readable names are not bundled",
                       "preprocess": "OFA evaluation: resize shorter side to ceil(r/0.875), centre crop r x r, "
                                     "x = pixel/255, (x - mean) / std",
                       "latency": "latencyMs.xavier-nx-gpu = latency stored with each level by the authors "
                                  "(GPU evaluation, no CUDA sync, batch size not recorded); the paper's "
                                  "Fig. 4a shows 1.18-1.29x larger values (see accuracy.reference)"},
            "export": None,
        },
        "subnets": subnets,
    }
    validate_family(fam)
    return fam


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reference", default=str(DEFAULT_REF))
    ap.add_argument("--out", default=str(REPO / "engines" / "ofa-mbv3-w12"))
    a = ap.parse_args(argv)
    fam = build(Path(a.reference))
    out = Path(a.out)
    write_json(out / "family.json", fam)
    print(f"wrote {out / 'family.json'}")


if __name__ == "__main__":
    main()
