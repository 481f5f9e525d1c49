"""ONNX export of static sub-networks and the ONNX Runtime bridge.

Python has no onnxruntime here: ``scripts/ofa/ort_run.js`` runs ONNX models through
the npm package onnxruntime-node (``run_onnx``, the reference for parity checks) and
times them through this package's public ``loadFamily`` (``measure_latency``, needs
the built package). ``measure_latency`` is the single place where latency is
measured; replace it to measure through another runtime."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
import torch.nn as nn

from .subnet import fold_bn

HERE = Path(__file__).resolve().parent
ORT_RUN_JS = HERE.parent / "ort_run.js"
REPO_ROOT = HERE.parents[2]
DEFAULT_OPSET = 13


def export_onnx(net: nn.Module, path: str, resolution: int, in_channels: int, opset: int = DEFAULT_OPSET,
                dynamic_batch: bool = False, fold: bool = True) -> str:
    """Export ``net`` (a static sub-network) to ONNX: input ``input`` [1,C,r,r]
    (or [N,C,r,r] with ``dynamic_batch``), output ``logits``. BN is folded
    into the convolutions first unless ``fold=False``."""
    if opset < 13:
        raise ValueError("opset must be >= 13")
    model = fold_bn(net) if fold else net
    model = model.eval()
    x = torch.zeros(1, in_channels, resolution, resolution)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    kwargs = {}
    if dynamic_batch:
        kwargs["dynamic_axes"] = {"input": {0: "batch"}, "logits": {0: "batch"}}
    with torch.no_grad():
        torch.onnx.export(model, (x,), path, input_names=["input"], output_names=["logits"],
                          opset_version=opset, do_constant_folding=True, **kwargs)
    return str(path)


def check_onnx(path: str) -> None:
    import onnx
    m = onnx.load(path)
    onnx.checker.check_model(m)


def node_binary() -> str:
    node = shutil.which("node")
    if not node:
        raise RuntimeError("node is not on PATH (needed to run onnxruntime-node)")
    return node


def _node_env() -> Dict[str, str]:
    env = dict(os.environ)
    nm = str(REPO_ROOT / "node_modules")
    env["NODE_PATH"] = nm + (os.pathsep + env["NODE_PATH"] if env.get("NODE_PATH") else "")
    return env


def run_node(script: Path, args: Sequence[str], what: Optional[str] = None) -> subprocess.CompletedProcess:
    """Runs ``node script args`` from the package root with its node_modules on NODE_PATH; RuntimeError
    "<what> failed: <stderr>" (``what`` defaults to the script's name) when it exits non-zero."""
    r = subprocess.run([node_binary(), str(script), *args], cwd=str(REPO_ROOT), env=_node_env(),
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"{what or Path(script).name} failed: {r.stderr.strip()}")
    return r


def ort_available() -> bool:
    if not shutil.which("node"):
        return False
    r = subprocess.run([node_binary(), "-e", "require('onnxruntime-node')"], cwd=str(REPO_ROOT),
                       env=_node_env(), capture_output=True)
    return r.returncode == 0


def run_onnx(path: str, x: np.ndarray, per_sample: bool = False, threads: int = 1) -> np.ndarray:
    """Run an ONNX model through onnxruntime-node; returns the first output."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    with tempfile.TemporaryDirectory() as td:
        inp, out = os.path.join(td, "x.npy"), os.path.join(td, "y.npy")
        np.save(inp, x)
        args = ["run", "--model", str(path), "--input", inp, "--output", out, "--threads", str(threads)]
        if per_sample:
            args.append("--per-sample")
        run_node(ORT_RUN_JS, args)
        return np.load(out)


def measure_latency(models: Sequence[Dict], runs: int = 300, warmup: int = 30, threads: int = 1) -> Dict[str, Dict]:
    """Latency of ONNX models on this CPU, as the runtime serves them (the package's ``loadFamily``, all
    models resident in one family; ``threads`` intra-op threads, batch 1; nearest-rank percentiles).
    ``models``: [{"id", "model" (path), "shape"}].
    Returns {id: {"p50", "p10", "p90", "mean", "runs"}} in milliseconds."""
    with tempfile.TemporaryDirectory() as td:
        spec = [{"id": m["id"], "model": str(Path(m["model"]).resolve()), "shape": list(m["shape"])}
                for m in models]
        sp, out = os.path.join(td, "spec.json"), os.path.join(td, "lat.json")
        with open(sp, "w") as f:
            json.dump(spec, f)
        run_node(ORT_RUN_JS, ["bench", "--spec", sp, "--output", out, "--runs", str(runs), "--warmup", str(warmup),
                              "--threads", str(threads)], what="ort_run.js bench")
        with open(out) as f:
            return json.load(f)


def measure_points(points: Sequence[Dict], in_channels: int, runs: int, key: str = "latency", warmup: int = 30,
                   threads: int = 1) -> None:
    """Latency of exported candidates (each with a unique ``i``, its ``onnx`` file and ``config["r"]``) in one
    interleaved run (measure_latency): sets ``p[key]`` (p50, ms) and ``p[key + "_stats"]``."""
    lat = measure_latency([{"id": str(p["i"]), "model": p["onnx"],
                            "shape": [1, in_channels, p["config"]["r"], p["config"]["r"]]} for p in points],
                          runs=runs, warmup=warmup, threads=threads)
    for p in points:
        p[key] = lat[str(p["i"])]["p50"]
        p[key + "_stats"] = lat[str(p["i"])]


def parity(net: nn.Module, onnx_path: str, x: torch.Tensor) -> float:
    """Max abs difference between the PyTorch net (eval) and the ONNX model."""
    net = net.eval()
    with torch.no_grad():
        ref = net(x).numpy()
    got = run_onnx(onnx_path, x.numpy(), per_sample=x.shape[0] > 1)
    return float(np.abs(ref - got).max())
