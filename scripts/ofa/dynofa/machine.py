"""The machine a latency figure was measured on: CPU model (with family and model number, since virtual machines
often show a generic name), its int8-relevant instruction set flags, cores, threads, ONNX Runtime version."""
from __future__ import annotations

import json
import os
import platform
from pathlib import Path
from typing import Dict

from .export import REPO_ROOT

ISA_FLAGS = ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_tile", "amx_int8", "amx_bf16",
             "asimddp", "i8mm")


def machine(threads: int) -> Dict:
    fields, flags = {}, set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = (part.strip() for part in line.partition(":"))
            if key in ("flags", "Features") and not flags:
                flags = set(value.split())
            elif key in ("model name", "cpu family", "model") and key not in fields:
                fields[key] = value
    except OSError:
        pass
    model = fields.get("model name") or platform.processor() or platform.machine()
    if "cpu family" in fields:
        model += f" (family {fields['cpu family']}, model {fields.get('model', '?')})"
    ort = json.loads((REPO_ROOT / "node_modules" / "onnxruntime-node" / "package.json").read_text())["version"]
    return {"cpu": model, "isa": {f: f in flags for f in ISA_FLAGS}, "cores": os.cpu_count(), "threads": threads,
            "onnxruntime": ort}


def isa_list(m: Dict):
    return [f for f, on in m["isa"].items() if on]


def describe(m: Dict) -> str:
    isa = " ".join(isa_list(m)) or "none of " + ",".join(ISA_FLAGS)
    return f"{m['cpu']} ({m['cores']} cores; {isa}), ONNX Runtime {m['onnxruntime']}, {m['threads']} thread(s)"
