#!/usr/bin/env python3
"""fp32 against int8 on this CPU, for the int8 siblings quantize_family.py wrote.

    /usr/bin/python3 scripts/ofa/measure_int8.py --family engines/ofa-mbv3-w12 --levels L5,L0 \
        [--runs 300] [--threads 1] [--profile-runs 30] [--accuracy] [--out int8-report.json]

- latency: fp32 and int8 of every level interleaved round-robin in one run
  (dynofa/export.py measure_latency), p50 and the int8/fp32 ratio;
- per-operator profile of both (scripts/ofa/ort_profile.js: ORT's optimized graph,
  median kernel time per node), convs split into depthwise / 1x1 / other;
- --accuracy (Fashion-MNIST families): top-1 of both on the 10,000 test images
  through ONNX Runtime, and how often their predictions agree.
Every figure is printed with the CPU model and its int8-relevant ISA flags.
"""
import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from dynofa.export import measure_latency, run_node  # noqa: E402
from dynofa.machine import describe, machine  # noqa: E402
from dynofa.cli import run_cli  # noqa: E402
from dynofa.int8_family import level_files  # noqa: E402
from dynofa.manifest import read_family  # noqa: E402

PROFILE_JS = Path(__file__).resolve().parent / "ort_profile.js"


def conv_kind(node) -> str:
    from dynofa.onnx_torch import attrs
    a = attrs(node)
    if a.get("group", 1) > 1:
        return "depthwise"
    return "1x1" if list(a.get("kernel_shape", [])) == [1, 1] else "kxk"


def profile(model: Path, runs: int, threads: int) -> dict:
    """Milliseconds per run by operator type (convs split by kind), medians per node."""
    import onnx
    with tempfile.TemporaryDirectory() as td:
        opt, js = Path(td) / "optimized.onnx", Path(td) / "profile.json"
        run_node(PROFILE_JS, ["--model", str(model), "--optimized", str(opt), "--runs", str(runs),
                              "--threads", str(threads), "--json", str(js)])
        prof = json.loads(js.read_text())
        nodes = {n.name: n for n in onnx.load(str(opt)).graph.node}
    by_op: dict = {}
    for n in prof["nodes"]:
        key = n["opType"]
        if key in ("Conv", "QLinearConv") and n["name"] in nodes:
            key += "/" + conv_kind(nodes[n["name"]])
        e = by_op.setdefault(key, {"ms": 0.0, "nodes": 0})
        e["ms"] += n["us"] / 1000
        e["nodes"] += 1
    return {"totalMs": prof["totalUs"] / 1000, "ops": dict(sorted(by_op.items(), key=lambda kv: -kv[1]["ms"]))}


def accuracy(fam: dict, s: dict, fp32_file: Path, int8_file: Path, images, labels) -> dict:
    from dynofa.evaluation import onnx_predictions
    mean, std = fam["input"]["mean"][0], fam["input"]["std"][0]
    fp32 = onnx_predictions(str(fp32_file), images, s["resolution"], mean, std)
    int8 = onnx_predictions(str(int8_file), images, s["resolution"], mean, std)
    return {"images": len(labels), "fp32Top1": round(100 * float((fp32 == labels).mean()), 2),
            "int8Top1": round(100 * float((int8 == labels).mean()), 2),
            "agreement": round(100 * float((fp32 == int8).mean()), 2)}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--family", required=True)
    ap.add_argument("--levels", default=None, help="comma-separated sub-network ids (default: all)")
    ap.add_argument("--runs", type=int, default=300, help="latency runs per model (interleaved)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--profile-runs", type=int, default=30, help="0: no per-operator profile")
    ap.add_argument("--accuracy", action="store_true", help="top-1 on the Fashion-MNIST test images")
    ap.add_argument("--out", default=None, help="write the report (JSON) here")
    a = ap.parse_args(argv)
    fam_dir = Path(a.family)
    fam = read_family(fam_dir)
    want = a.levels.split(",") if a.levels else [s["id"] for s in fam["subnets"]]
    subnets = {s["id"]: s for s in fam["subnets"]}
    files = {s["id"]: (fp32, int8) for s, fp32, int8 in level_files(fam_dir, fam, want, need_int8=True)}
    m = machine(a.threads)
    print(describe(m), flush=True)
    spec = []
    for i in want:
        s = subnets[i]
        shape = [1, fam["input"]["channels"], s["resolution"], s["resolution"]]
        spec += [{"id": i, "model": str(files[i][0]), "shape": shape},
                 {"id": i + ".int8", "model": str(files[i][1]), "shape": shape}]
    lat = measure_latency(spec, runs=a.runs, warmup=max(10, a.runs // 20), threads=a.threads)
    report = {"machine": m, "runtime": lat[spec[0]["id"]]["runtime"], "runs": a.runs, "levels": {}}
    print(f"latency, interleaved, p50 of {a.runs} runs each ({report['runtime']}):")
    for i in want:
        f, q = lat[i], lat[i + ".int8"]
        lv = report["levels"][i] = {
            "macs": subnets[i].get("macs"), "fp32P50Ms": round(f["p50"], 4), "int8P50Ms": round(q["p50"], 4),
            "int8OverFp32": round(q["p50"] / f["p50"], 3), "fp32P10Ms": round(f["p10"], 4),
            "int8P10Ms": round(q["p10"], 4)}
        print(f"  {i}: fp32 {f['p50']:.3f} ms, int8 {q['p50']:.3f} ms, int8/fp32 {lv['int8OverFp32']:.3f} "
              f"(p10 {f['p10']:.3f} / {q['p10']:.3f})", flush=True)
    test = None  # the Fashion-MNIST test images and labels, read at the first level's --accuracy
    for i in want:
        lv = report["levels"][i]
        if a.profile_runs > 0:
            p32 = profile(files[i][0], a.profile_runs, a.threads)
            p8 = profile(files[i][1], a.profile_runs, a.threads)
            lv["profile"] = {"fp32": p32, "int8": p8}
            print(f"  {i} kernel time per run (median per node): fp32 {p32['totalMs']:.3f} ms, "
                  f"int8 {p8['totalMs']:.3f} ms ({p8['totalMs'] / p32['totalMs']:.3f})")
            for name, p in (("fp32", p32), ("int8", p8)):
                print(f"    {name}: " + ", ".join(f"{k} {v['ms']:.3f} (x{v['nodes']})" for k, v in p["ops"].items()))
        if a.accuracy:
            if test is None:
                from dynofa.data import load_fashion
                test = load_fashion("test")
            lv["accuracy"] = accuracy(fam, subnets[i], *files[i], *test)
            acc = lv["accuracy"]
            print(f"  {i} top-1 on {acc['images']} test images: fp32 {acc['fp32Top1']:.2f} %, int8 "
                  f"{acc['int8Top1']:.2f} % (agreement {acc['agreement']:.2f} %)", flush=True)
    if a.out:
        Path(a.out).write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    run_cli(main)
