"""family.json validation (dynofa/manifest.py): the package's one JSON Schema, then the toolkit's own rules."""
import copy
import json

import pytest

from conftest import REPO_ROOT
from dynofa.manifest import SCHEMA_FILE, FamilyInvalid, family_schema, validate_family

W12 = REPO_ROOT / "engines" / "ofa-mbv3-w12"


@pytest.fixture()
def w12():
    return json.loads((W12 / "family.json").read_text())


def paths_of(fam):
    with pytest.raises(FamilyInvalid) as info:
        validate_family(fam)
    return [path for path, _ in info.value.problems]


def test_reads_the_schema_the_typescript_loader_reads():
    assert SCHEMA_FILE == REPO_ROOT / "lib" / "family" / "family.schema.json"
    schema = family_schema()
    assert schema["required"] == ["schemaVersion", "name", "input", "subnets"]
    assert schema["properties"]["subnets"]["items"]["properties"]["model"] == {"$ref": "#/definitions/relativeFile"}


def test_schema_problems_name_their_json_path(w12):
    fam = copy.deepcopy(w12)
    fam["schemaVersion"] = 2
    fam["input"]["std"][1] = 0
    del fam["subnets"][2]["accuracy"]
    fam["subnets"][3]["config"]["ks"][0] = 9
    assert paths_of(fam) == ["/input/std/1", "/schemaVersion", "/subnets/2", "/subnets/3/config/ks/0"]
    with pytest.raises(FamilyInvalid, match="'accuracy' is a required property"):
        validate_family(fam)


def test_toolkit_rules_beyond_the_schema(w12):
    fam = copy.deepcopy(w12)
    fam["backbone"]["type"] = "resnet"
    fam["subnets"][1]["id"] = fam["subnets"][0]["id"]
    fam["subnets"][2]["macs"] = 1.5
    fam["subnets"][3]["config"]["r"] = 7
    del fam["description"]
    assert paths_of(fam) == ["/description", "/backbone/type", "/subnets/1/id", "/subnets/2/macs", "/subnets/3/config/r"]


def test_precision_sibling_calibration_and_int8_candidates(w12):
    """The shared schema's int8 entries, as the toolkit writes them: valid ones pass, bad ones are named by path."""
    fam = copy.deepcopy(w12)
    fam["subnets"][0]["sibling"] = {"precision": "int8", "model": "L0.int8.onnx"}
    fam["subnets"][1]["precision"] = "int8"
    fam["calibration"] = {"images": "calibration-images.u8", "count": 10, "width": 28, "height": 28, "channels": 1,
                          "source": "test"}
    twin = {"resolution": 160, "macs": 1, "fp32": {"latencyMs": 1.0}, "int8": {"latencyMs": 0.6}, "int8OverFp32": 0.6}
    fam["produced"]["int8Candidates"] = {"latency": {"cpu": "x", "threads": 1, "runs": 5},
                                         "candidates": [dict(twin, kept=False, fp32Level="L0")]}
    validate_family(fam)
    fam["subnets"][0]["sibling"]["model"] = "L0.int8.bin"
    assert paths_of(fam) == ["/subnets/0/sibling/model"]
    fam["subnets"][0]["precision"] = "int4"
    fam["subnets"][1]["sibling"] = {"precision": "fp32"}
    fam["calibration"]["count"] = 0
    del fam["produced"]["int8Candidates"]["candidates"][0]["int8OverFp32"]
    assert paths_of(fam) == ["/calibration/count", "/produced/int8Candidates/candidates/0", "/subnets/0/precision",
                             "/subnets/1/sibling"]


def test_json_text_layout_round_trips():
    """What fits on a line stays on it, lists of scalars always do, the rest is indented; the JSON is unchanged."""
    import json
    from dynofa.manifest import json_text
    obj = {"short": {"latencyMs": 0.2, "top1": 88.9}, "ks": list(range(60)), "empty": [], "text": "x" * 130,
           "nested": {"config": {"ks": [3] * 20, "e": [4] * 20, "d": [2] * 5, "r": 28}, "why": "y" * 90}}
    text = json_text(obj)
    assert json.loads(text) == obj
    lines = text.splitlines()
    assert '  "short": {"latencyMs": 0.2, "top1": 88.9},' in lines
    assert any(line.startswith('  "ks": [0, 1, 2,') and line.endswith("59],") for line in lines)
    assert '  "nested": {' in lines and '    "config": {' in lines
    assert all(len(line) <= 120 for line in lines if '"ks"' not in line and '"text"' not in line)
