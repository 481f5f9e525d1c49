"""CLIs: export_family (synthetic weights) and search (accuracy table), small."""
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
