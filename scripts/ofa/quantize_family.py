#!/usr/bin/env python3
"""Write static int8 siblings (L5.onnx -> L5.int8.onnx) of a family's exported
fp32 ONNX files (see dynofa/quantize.py for the recipe).

    /usr/bin/python3 scripts/ofa/quantize_family.py --family engines/fashion-ofa [--levels L0,L5] \
        [--calibration family|noise|fashion-mnist|DIR] [--calibration-images 500] [--reduce-range] [--report int8.json]

Calibration images: by default the family's own calibration images (family.json
"calibration", the ones TensorRT calibrates on too) when it ships them, else seeded
noise for synthetic weights (latency only, accuracy not claimed), the Fashion-MNIST
training images for the Fashion-MNIST supernet; a directory of images (ImageNet
evaluation transform) otherwise. family.json is not changed.
"""
import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

from dynofa.configs import ConfigError  # noqa: E402
from dynofa.cli import run_cli  # noqa: E402
from dynofa.int8_family import (add_arguments, calibration_count, default_calibration, options_from_args,  # noqa: E402
                                 quantize_levels)
from dynofa.manifest import read_family  # noqa: E402
from dynofa.onnx_torch import UnsupportedGraph  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--family", required=True, help="family directory holding family.json and the fp32 ONNX files")
    ap.add_argument("--levels", default=None, help="comma-separated sub-network ids (default: all)")
    ap.add_argument("--calibration", default=None, help="family, noise, fashion-mnist or a directory of images")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--report", default=None, help="write the per-level reports (JSON) here")
    ap.add_argument("--threads", type=int, default=1)
    add_arguments(ap)
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    fam_dir = Path(a.family)
    fam = read_family(fam_dir)
    source = a.calibration or default_calibration(fam)
    if source is None:
        raise ConfigError("this family needs --calibration (a directory of images)")
    try:
        reports = quantize_levels(fam_dir, fam, source, calibration_count(a, source), a.seed, options_from_args(a),
                                  a.levels.split(",") if a.levels else None)
    except (UnsupportedGraph, ValueError) as e:
        raise ConfigError(str(e)) from e
    if a.report:
        Path(a.report).write_text(json.dumps(reports, indent=1) + "\n")


if __name__ == "__main__":
    run_cli(main)
