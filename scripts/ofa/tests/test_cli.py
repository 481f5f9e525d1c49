"""CLIs: export_family (synthetic weights) and search (accuracy table; int8 candidates), small."""
import json
import shutil
import subprocess
import sys

import pytest

from conftest import OFA_DIR, REPO_ROOT
from dynofa.export import ort_available

PY = sys.executable


def run(args, **kw):
    r = subprocess.run([PY] + args, cwd=str(REPO_ROOT), capture_output=True, text=True, **kw)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


@pytest.mark.skipif(not ort_available(), reason="node + onnxruntime-node not available")
def test_export_family_synthetic(tmp_path):
    fam = json.loads((REPO_ROOT / "engines" / "ofa-mbv3-w12" / "family.json").read_text())
    # a small copy: two levels at a low resolution keep the test fast
    fam["subnets"] = fam["subnets"][:2]
    for s in fam["subnets"]:
        s["resolution"] = s["config"]["r"] = 64
    (tmp_path / "family.json").write_text(json.dumps(fam))
    out = run([str(OFA_DIR / "export_family.py"), "--family", str(tmp_path), "--check", "--threads", "1"])
    assert "parity" in out
    fam2 = json.loads((tmp_path / "family.json").read_text())
    assert fam2["weights"] == "synthetic" and fam2["produced"]["export"]["syntheticSeed"] == 0
    assert (tmp_path / "L0.onnx").exists() and (tmp_path / "L1.onnx").exists()
    b1 = (tmp_path / "L0.onnx").read_bytes()
    run([str(OFA_DIR / "export_family.py"), "--family", str(tmp_path), "--levels", "L0", "--threads", "1"])
    assert (tmp_path / "L0.onnx").read_bytes() == b1  # deterministic


def test_export_family_rejects_wrong_checkpoint(tmp_path):
    import torch
    from test_checkpoint import fake_checkpoint
    fam = json.loads((REPO_ROOT / "engines" / "ofa-mbv3-w12" / "family.json").read_text())
    fam["subnets"] = fam["subnets"][:1]
    (tmp_path / "family.json").write_text(json.dumps(fam))
    torch.save(fake_checkpoint(1.0), tmp_path / "w10.pth")
    r = subprocess.run([PY, str(OFA_DIR / "export_family.py"), "--family", str(tmp_path), "--checkpoint",
                        str(tmp_path / "w10.pth")], cwd=str(REPO_ROOT), capture_output=True, text=True)
    assert r.returncode != 0 and "w1.0" in r.stderr


@pytest.mark.skipif(not ort_available(), reason="node + onnxruntime-node not available")
def test_search_with_table(tmp_path):
    import random
    from dynofa.configs import FASHION_SPEC, random_config
    rng = random.Random(0)
    table = [{"config": random_config(FASHION_SPEC, rng).to_dict(), "top1": 80 + i} for i in range(5)]
    (tmp_path / "table.json").write_text(json.dumps(table))
    out_dir = tmp_path / "fam"
    run([str(OFA_DIR / "search.py"), "--supernet", "fashion", "--accuracy-table", str(tmp_path / "table.json"),
         "--device", "cpu", "--out", str(out_dir), "--runs", "20", "--levels", "3", "--threads", "1"])
    fam = json.loads((out_dir / "family.json").read_text())
    assert 1 <= len(fam["subnets"]) <= 3
    assert fam["weights"] == "synthetic"
    for s in fam["subnets"]:
        assert (out_dir / s["model"]).exists()


@pytest.mark.skipif(not ort_available(), reason="node + onnxruntime-node not available")
def test_search_int8_candidates_compete(tmp_path):
    """search.py --int8 (a small random-weight run): every int8 twin is recorded beside its fp32 twin, the levels
    come from the mixed front, the calibration images ship, and the family validates."""
    import numpy as np
    import onnx
    import torch
    from dynofa.data import load_fashion
    from dynofa.supernet import OFAMobileNetV3
    from helpers import randomize
    sup = randomize(OFAMobileNetV3("fashion"), seed=3)
    torch.save({"spec": sup.spec.to_dict(), "state_dict": sup.state_dict()}, tmp_path / "sup.pt")
    out_dir = tmp_path / "fam"
    args = ["--supernet", tmp_path / "sup.pt", "--dataset", "fashion-mnist", "--count", "3", "--resolutions", "16",
            "--runs", "20", "--levels", "2", "--threads", "1", "--int8", "--int8-calibration", "40",
            "--int8-slack", "10", "--out", out_dir]
    out = run([str(OFA_DIR / "search.py")] + [str(x) for x in args])
    # every latency figure comes with the machine (CPU model, ISA flags, ONNX Runtime, threads)
    assert out.count("ONNX Runtime 1.") >= 2 and "1 thread(s)" in out
    fam = json.loads((out_dir / "family.json").read_text())
    from dynofa.manifest import validate_family
    validate_family(fam)
    record = fam["produced"]["int8Candidates"]
    assert len(record["candidates"]) == 3 and record["latency"]["threads"] == 1 and record["maxTop1Drop"] == 0.5
    kept = {c["level"] for c in record["candidates"] if c["kept"]}
    assert kept == {s["id"] for s in fam["subnets"] if s.get("precision") == "int8"}
    for c in record["candidates"]:
        assert abs(c["int8OverFp32"] - c["int8"]["latencyMs"] / c["fp32"]["latencyMs"]) < 0.002
        assert abs(c["top1Delta"] - (c["int8"]["top1"] - c["fp32"]["top1"])) < 0.011 and c["why"]
    for s in fam["subnets"]:
        ops = {n.op_type for n in onnx.load(str(out_dir / s["model"])).graph.node}
        assert ("QLinearConv" in ops) == (s.get("precision") == "int8")
    cal = fam["calibration"]
    images = np.fromfile(out_dir / cal["images"], np.uint8).reshape(cal["count"], 28, 28)
    train, _ = load_fashion("train")
    pick = np.sort(np.random.RandomState(2).choice(len(train), 40, replace=False))
    assert cal["count"] == 40 and np.array_equal(images, train[pick])
    r = subprocess.run([PY, str(OFA_DIR / "search.py"), "--supernet", "fashion", "--accuracy-table",
                        str(tmp_path / "t.json"), "--int8", "--out", str(tmp_path / "x")], cwd=str(REPO_ROOT),
                       capture_output=True, text=True)
    assert r.returncode == 2 and "--int8 needs --dataset" in r.stderr
