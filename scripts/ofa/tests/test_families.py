"""The committed families: engines/fashion-ofa (bundled, trained) and
engines/ofa-mbv3-w12 (reference levels, ONNX exported on demand)."""
import json

import numpy as np
import pytest
import torch

from conftest import REPO_ROOT, shared_reference_dir
from dynofa.configs import FASHION_SPEC, OFA_MBV3_W12, validate_config
from dynofa.manifest import validate_family
from dynofa.macs import subnet_cost

FASHION = REPO_ROOT / "engines" / "fashion-ofa"
W12 = REPO_ROOT / "engines" / "ofa-mbv3-w12"


def test_w12_family_matches_reference():
    fam = json.loads((W12 / "family.json").read_text())
    validate_family(fam)
    assert fam["weights"] in ("synthetic", "pretrained")
    assert fam["input"]["channels"] == 3 and fam["input"]["format"] == "rgb"
    subs = fam["subnets"]
    assert [s["id"] for s in subs] == [f"L{i}" for i in range(6)]
    accs = [s["accuracy"]["value"] for s in subs]
    lats = [s["latencyMs"]["xavier-nx-gpu"] for s in subs]
    assert accs == sorted(accs) and lats == sorted(lats)
    for s in subs:
        cfg = validate_config(s["config"], OFA_MBV3_W12)
        assert subnet_cost(OFA_MBV3_W12, cfg) == {"macs": s["macs"], "params": s["params"]}
        assert s["accuracy"]["source"] == "reported"
    ref = shared_reference_dir()
    if ref is not None:
        data = json.loads((ref / "dynamic-ofa" / "dynamic_ofa_subnets.json").read_text())
        for s, lvl in zip(subs, data["sets"]["nets_6"]["levels"]):
            assert s["accuracy"]["value"] == lvl["top1"]
            assert s["latencyMs"]["xavier-nx-gpu"] == lvl["latency_ms"]
            assert validate_config(lvl["config"], OFA_MBV3_W12).to_dict() == s["config"]


@pytest.fixture(scope="module")
def fashion_family():
    p = FASHION / "family.json"
    if not p.exists():
        pytest.skip("engines/fashion-ofa not built yet")
    return json.loads(p.read_text())


def test_fashion_family_structure(fashion_family):
    fam = fashion_family
    validate_family(fam)
    assert fam["weights"] == "trained"
    subs = fam["subnets"]
    assert len(subs) >= 6
    lats = [s["latencyMs"]["cpu-x64-1thread"] for s in subs]
    accs = [s["accuracy"]["value"] for s in subs]
    assert all(b > a for a, b in zip(lats, lats[1:]))
    assert all(b > a for a, b in zip(accs, accs[1:]))
    assert lats[-1] / lats[0] >= 3.0
    total = sum(f.stat().st_size for f in FASHION.iterdir() if f.is_file())
    assert total < 10_000_000
    for s in subs:
        assert (FASHION / s["model"]).exists()
        cfg = validate_config(s["config"], FASHION_SPEC, check_resolution=True)
        assert subnet_cost(FASHION_SPEC, cfg) == {"macs": s["macs"], "params": s["params"]}
        assert s["accuracy"]["dataset"] == "fashion-mnist-test-10000"
        assert s["sampleAccuracy"]["dataset"] == "bundled-sample-1000"
    sm = fam["sample"]
    imgs = (FASHION / sm["images"]).read_bytes()
    labels = (FASHION / sm["labels"]).read_bytes()
    assert len(imgs) == sm["count"] * sm["width"] * sm["height"] * sm["channels"]
    assert len(labels) == sm["count"] and max(labels) <= 9


def test_fashion_sample_accuracy_through_ort(fashion_family):
    """Re-run two bundled ONNX models on the bundled sample (preprocessing
    contract) through ONNX Runtime: top-1 equals the recorded sampleAccuracy."""
    from dynofa.data import preprocess
    from dynofa.export import ort_available, run_onnx
    if not ort_available():
        pytest.skip("node + onnxruntime-node not available")
    fam = fashion_family
    sm = fam["sample"]
    imgs = np.frombuffer((FASHION / sm["images"]).read_bytes(), np.uint8).reshape(sm["count"], sm["height"],
                                                                                   sm["width"])
    labels = np.frombuffer((FASHION / sm["labels"]).read_bytes(), np.uint8)
    mean, std = fam["input"]["mean"][0], fam["input"]["std"][0]
    for s in (fam["subnets"][0], fam["subnets"][-1]):
        x = preprocess(torch.from_numpy(imgs.copy()), s["resolution"], mean, std).numpy()
        logits = run_onnx(str(FASHION / s["model"]), x, per_sample=True)
        acc = 100.0 * float((logits.argmax(1) == labels).mean())
        assert abs(acc - s["sampleAccuracy"]["value"]) <= 0.11, (s["id"], acc)


def test_fashion_calibration_images_are_training_images(fashion_family):
    """The family ships the images its int8 candidates were calibrated on (TensorRT calibrates on them too):
    training images, every one of them."""
    from dynofa.data import load_fashion
    cal = fashion_family["calibration"]
    assert (cal["width"], cal["height"], cal["channels"]) == (28, 28, 1) and 200 <= cal["count"] <= 600
    images = np.fromfile(FASHION / cal["images"], np.uint8)
    assert images.size == cal["count"] * 28 * 28
    train, _ = load_fashion("train")
    train_rows = {row.tobytes() for row in train.reshape(len(train), -1)}
    assert all(row.tobytes() in train_rows for row in images.reshape(cal["count"], -1))


def test_fashion_int8_candidates_record(fashion_family):
    """Every int8 candidate the selection measured is recorded beside its fp32 twin; a kept one is an int8 level
    within the allowed top-1 drop, and the levels' precisions agree with the record."""
    record = fashion_family["produced"]["int8Candidates"]
    assert record["candidates"] and record["latency"]["threads"] == 1 and record["latency"]["cpu"]
    ids = {s["id"]: s for s in fashion_family["subnets"]}
    kept = set()
    for c in record["candidates"]:
        assert c["int8OverFp32"] > 0 and "top1" in c["int8"] and "top1" in c["fp32"]
        if c["kept"]:
            assert ids[c["level"]].get("precision") == "int8" and c["top1Delta"] >= -record["maxTop1Drop"]
            assert ids[c["level"]]["config"] == c["config"]
            kept.add(c["level"])
    assert kept == {i for i, s in ids.items() if s.get("precision") == "int8"}
