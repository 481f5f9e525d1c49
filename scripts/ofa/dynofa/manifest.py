"""family.json as the toolkit writes it: validation against the package's one JSON Schema
(``lib/family/family.schema.json``, which the TypeScript loader reads too) plus the rules of the families this
toolkit makes, the ``backbone`` entry, and the JSON layout."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Tuple

from .configs import SupernetSpec

SCHEMA_VERSION = 1
# scripts/ofa/dynofa/manifest.py -> the package root; the schema ships in the npm package at the same place.
SCHEMA_FILE = Path(__file__).resolve().parents[3] / "lib" / "family" / "family.schema.json"


class FamilyInvalid(ValueError):
    """A family.json that breaks the schema or the toolkit's rules; ``problems`` lists (JSON path, message)."""

    def __init__(self, problems: List[Tuple[str, str]]):
        self.problems = problems
        super().__init__("invalid family manifest:\n" + "\n".join(f"  {path or '/'}: {message}" for path, message in problems))


@lru_cache(maxsize=1)
def family_schema() -> Dict[str, Any]:
    return json.loads(SCHEMA_FILE.read_text())


def schema_problems(fam: Any) -> List[Tuple[str, str]]:
    """Every violation of the shared JSON Schema, with its JSON path (``/subnets/2/model``)."""
    from jsonschema import Draft7Validator  # Debian: python3-jsonschema
    validator = Draft7Validator(family_schema())
    errors = sorted(validator.iter_errors(fam), key=lambda e: [str(p) for p in e.absolute_path])
    return [("".join(f"/{p}" for p in e.absolute_path), e.message) for e in errors]


def toolkit_problems(fam: Dict[str, Any]) -> List[Tuple[str, str]]:
    """What the families this toolkit writes must also have, beyond the schema: the descriptive fields, an
    OFA-MobileNetV3 backbone, labelled classes, per-channel normalization, and per sub-network a full OFA config
    at its resolution, an ONNX model (and an ONNX sibling), and integer MACs and params."""
    problems: List[Tuple[str, str]] = []
    for key in ("description", "backbone", "task", "weights"):
        if key not in fam:
            problems.append((f"/{key}", "is required in the families this toolkit writes"))
    if fam.get("backbone", {}).get("type") != "ofa-mbv3":
        problems.append(("/backbone/type", "must be 'ofa-mbv3'"))
    task = fam.get("task", {})
    if task.get("type") != "classification" or len(task.get("labels", [])) != task.get("classes"):
        problems.append(("/task", "must be a classification with one label per class"))
    inp = fam["input"]
    for key in ("mean", "std"):
        if len(inp[key]) != inp["channels"]:
            problems.append((f"/input/{key}", f"has {len(inp[key])} values; input.channels is {inp['channels']}"))
    ids = set()
    for i, s in enumerate(fam["subnets"]):
        where = f"/subnets/{i}"
        if s["id"] in ids:
            problems.append((f"{where}/id", f"duplicate id {s['id']!r}"))
        ids.add(s["id"])
        c = s.get("config")
        if c is None or (len(c["ks"]), len(c["e"]), len(c["d"])) != (20, 20, 5):
            problems.append((f"{where}/config", "must be a full OFA-MobileNetV3 config (20 kernel sizes, 20 expand ratios, 5 depths)"))
        elif c["r"] != s.get("resolution"):
            problems.append((f"{where}/config/r", f"is {c['r']}; resolution is {s.get('resolution')}"))
        if not s["model"].endswith(".onnx"):
            problems.append((f"{where}/model", "must be an .onnx file"))
        if "sibling" in s and not s["sibling"]["model"].endswith(".onnx"):
            problems.append((f"{where}/sibling/model", "must be an .onnx file"))
        for key in ("macs", "params"):
            if not isinstance(s.get(key), int):
                problems.append((f"{where}/{key}", "must be an integer"))
    return problems


def validate_family(fam: Dict[str, Any]) -> None:
    """Raises FamilyInvalid listing every problem: the shared schema first, then the toolkit's rules."""
    problems = schema_problems(fam)
    if not problems:
        problems = toolkit_problems(fam)
    if problems:
        raise FamilyInvalid(problems)


def backbone_description(spec: SupernetSpec) -> Dict[str, Any]:
    """The family.json "backbone" entry of a family cut from `spec`."""
    return {
        "type": "ofa-mbv3",
        "supernet": spec.name,
        "widthMult": spec.width_mult,
        "widths": {"stem": spec.stem_width, "firstBlock": spec.first_block_width,
                   "stages": spec.stage_widths, "finalExpand": spec.final_expand_width,
                   "featureMix": spec.last_channel},
        "stemStride": spec.stem_stride,
        "stageStrides": list(spec.stage_strides),
        "stageActivations": list(spec.stage_acts),
        "stageSE": list(spec.stage_se),
        "kernelChoices": list(spec.ks_list),
        "expandChoices": list(spec.expand_list),
        "depthChoices": list(spec.depth_list),
        "resolutions": list(spec.resolutions),
        "bnFolded": True,
        "onnxOpset": 13,
    }


def json_text(obj: Any, indent: int = 0, used: int = 0, width: int = 120) -> str:
    """Indented JSON where every value that fits on its line (``used`` characters are already there), and every
    list of scalars, stays on one line."""
    one_line = json.dumps(obj)
    scalars = isinstance(obj, list) and all(not isinstance(x, (dict, list)) for x in obj)
    if not isinstance(obj, (dict, list)) or not obj or scalars or used + len(one_line) <= width:
        return one_line
    pad = " " * (indent + 2)
    if isinstance(obj, dict):
        items = []
        for k, v in obj.items():
            head = f"{pad}{json.dumps(k)}: "
            items.append(head + json_text(v, indent + 2, len(head), width))
        return "{\n" + ",\n".join(items) + "\n" + " " * indent + "}"
    return "[\n" + ",\n".join(pad + json_text(v, indent + 2, len(pad), width) for v in obj) + "\n" + " " * indent + "]"


def read_family(fam_dir) -> Dict[str, Any]:
    """``fam_dir``/family.json as it is (not validated); FileNotFoundError naming the file when it is missing."""
    path = Path(fam_dir) / "family.json"
    if not path.exists():
        raise FileNotFoundError(f"{path} not found")
    return json.loads(path.read_text())


def write_json(path: Path, obj: Any) -> None:
    """family.json and the toolkit's other JSON files, as json_text lays them out."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as f:
        f.write(json_text(obj))
        f.write("\n")
