"""CLIs of the int8 export: quantize_family.py, measure_int8.py, export_family.py --int8 (small)."""
import json
import shutil
import subprocess
import sys

import onnx
import pytest

from conftest import OFA_DIR, REPO_ROOT
from dynofa.export import ort_available
from dynofa.manifest import validate_family

PY = sys.executable
needs_ort = pytest.mark.skipif(not ort_available(), reason="node + onnxruntime-node not available")


def run(args):
    return subprocess.run([PY] + [str(a) for a in args], cwd=str(REPO_ROOT), capture_output=True, text=True)


@pytest.fixture()
def family_copy(tmp_path):
    src = REPO_ROOT / "engines" / "fashion-ofa"
    for f in ("family.json", "L0.onnx", "L1.onnx"):
        shutil.copy(src / f, tmp_path / f)
    return tmp_path


@needs_ort
def test_quantize_then_measure(family_copy):
    r = run([OFA_DIR / "quantize_family.py", "--family", family_copy, "--levels", "L0", "--calibration", "noise",
             "--calibration-images", "20", "--threads", "1", "--report", family_copy / "q.json"])
    assert r.returncode == 0, r.stderr
    assert (family_copy / "L0.int8.onnx").exists() and not (family_copy / "L1.int8.onnx").exists()
    report = json.loads((family_copy / "q.json").read_text())["L0"]
    assert report["calibrationImages"] == 20 and report["calibration"] == "noise"
    assert report["bytes"] < report["fp32Bytes"] / 2
    assert "QLinearConv" in {n.op_type for n in onnx.load(str(family_copy / "L0.int8.onnx")).graph.node}
    r = run([OFA_DIR / "measure_int8.py", "--family", family_copy, "--levels", "L0", "--runs", "20",
             "--profile-runs", "2", "--out", family_copy / "m.json"])
    assert r.returncode == 0, r.stderr
    assert "int8/fp32" in r.stdout and "ONNX Runtime" in r.stdout
    m = json.loads((family_copy / "m.json").read_text())
    lv = m["levels"]["L0"]
    assert lv["fp32P50Ms"] > 0 and lv["int8P50Ms"] > 0 and lv["int8OverFp32"] > 0
    assert "QLinearConv/1x1" in lv["profile"]["int8"]["ops"] and "Conv/1x1" in lv["profile"]["fp32"]["ops"]
    assert m["machine"]["threads"] == 1 and "avx512_vnni" in m["machine"]["isa"]


def test_bad_input(family_copy):
    r = run([OFA_DIR / "quantize_family.py", "--family", family_copy, "--levels", "L7", "--calibration", "noise"])
    assert r.returncode == 2 and "L7" in r.stderr
    r = run([OFA_DIR / "quantize_family.py", "--family", family_copy, "--calibration", str(family_copy / "none")])
    assert r.returncode == 2 and "neither" in r.stderr
    r = run([OFA_DIR / "quantize_family.py", "--family", family_copy / "missing"])
    assert r.returncode == 2 and "family.json" in r.stderr
    r = run([OFA_DIR / "measure_int8.py", "--family", family_copy, "--levels", "L1"])
    assert r.returncode == 2 and "quantize_family.py" in r.stderr


@needs_ort
def test_export_family_int8(tmp_path):
    fam = json.loads((REPO_ROOT / "engines" / "ofa-mbv3-w12" / "family.json").read_text())
    fam["subnets"] = fam["subnets"][:1]  # one level at a low resolution keeps the test fast
    for s in fam["subnets"]:
        s["resolution"] = s["config"]["r"] = 64
    (tmp_path / "family.json").write_text(json.dumps(fam))
    r = run([OFA_DIR / "export_family.py", "--family", tmp_path, "--threads", "1", "--int8",
             "--calibration-images", "4"])
    assert r.returncode == 0, r.stderr
    q = onnx.load(str(tmp_path / "L0.int8.onnx"))
    assert [i.name for i in q.graph.input] == ["input"] and "QLinearConv" in {n.op_type for n in q.graph.node}
    written = json.loads((tmp_path / "family.json").read_text())
    export = written["produced"]["export"]
    assert export["int8"]["models"] == ["L0.int8.onnx"] and export["int8"]["calibration"].startswith("seeded noise")
    assert written["subnets"][0]["sibling"] == {"precision": "int8", "model": "L0.int8.onnx"}
    validate_family(written)
    # an export without --int8 drops the sibling record (the file would be of the old export)
    r = run([OFA_DIR / "export_family.py", "--family", tmp_path, "--threads", "1"])
    assert r.returncode == 0, r.stderr
    assert "sibling" not in json.loads((tmp_path / "family.json").read_text())["subnets"][0]
    # an int8 level is quantized from its fp32 sibling's export, so it needs --int8
    fam["subnets"][0].update(model="L0.int8.onnx", precision="int8", sibling={"precision": "fp32", "model": "L0.onnx"})
    (tmp_path / "family.json").write_text(json.dumps(fam))
    r = run([OFA_DIR / "export_family.py", "--family", tmp_path, "--threads", "1"])
    assert r.returncode == 2 and "int8 level" in r.stderr
    r = run([OFA_DIR / "export_family.py", "--family", tmp_path, "--threads", "1", "--int8", "--calibration-images", "4"])
    assert r.returncode == 0, r.stderr
    assert "QLinearConv" in {n.op_type for n in onnx.load(str(tmp_path / "L0.int8.onnx")).graph.node}
    assert "QLinearConv" not in {n.op_type for n in onnx.load(str(tmp_path / "L0.onnx")).graph.node}
    assert json.loads((tmp_path / "family.json").read_text())["subnets"][0]["sibling"]["precision"] == "fp32"
    r = run([OFA_DIR / "export_family.py", "--family", tmp_path, "--threads", "1", "--int8", "--dynamic-batch"])
    assert r.returncode == 2 and "batch-1" in r.stderr


@needs_ort
def test_family_calibration_images_and_int8_levels(family_copy):
    """A family that ships calibration images calibrates on them by default; measure_int8 pairs an int8 level
    with its fp32 sibling."""
    import numpy as np
    fam = json.loads((family_copy / "family.json").read_text())
    images = (np.arange(30 * 28 * 28) * 7 % 251).astype(np.uint8)
    (family_copy / "calibration-images.u8").write_bytes(images.tobytes())
    fam["calibration"] = {"images": "calibration-images.u8", "count": 30, "width": 28, "height": 28, "channels": 1}
    (family_copy / "family.json").write_text(json.dumps(fam))
    r = run([OFA_DIR / "quantize_family.py", "--family", family_copy, "--levels", "L0", "--threads", "1",
             "--report", family_copy / "q.json"])
    assert r.returncode == 0, r.stderr
    report = json.loads((family_copy / "q.json").read_text())["L0"]
    assert report["calibration"] == "family" and report["calibrationImages"] == 30
    fam["calibration"]["count"] = 31  # the file holds 30
    (family_copy / "family.json").write_text(json.dumps(fam))
    r = run([OFA_DIR / "quantize_family.py", "--family", family_copy, "--levels", "L0"])
    assert r.returncode == 2 and "31" in r.stderr
    # L0 becomes an int8 level with its fp32 sibling: measure_int8 compares the two files
    fam["calibration"]["count"] = 30
    fam["subnets"][0].update(model="L0.int8.onnx", precision="int8", sibling={"precision": "fp32", "model": "L0.onnx"})
    (family_copy / "family.json").write_text(json.dumps(fam))
    r = run([OFA_DIR / "measure_int8.py", "--family", family_copy, "--levels", "L0", "--runs", "10",
             "--profile-runs", "0", "--out", family_copy / "m.json"])
    assert r.returncode == 0, r.stderr
    assert json.loads((family_copy / "m.json").read_text())["levels"]["L0"]["int8OverFp32"] > 0
    del fam["subnets"][0]["sibling"]
    (family_copy / "family.json").write_text(json.dumps(fam))
    r = run([OFA_DIR / "measure_int8.py", "--family", family_copy, "--levels", "L0"])
    assert r.returncode == 2 and "without an fp32 sibling" in r.stderr
