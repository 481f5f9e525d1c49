import os
import sys
from pathlib import Path

import pytest

OFA_DIR = Path(__file__).resolve().parents[1]
REPO_ROOT = OFA_DIR.parents[1]
sys.path.insert(0, str(OFA_DIR))

torch = pytest.importorskip("torch")
torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS") or min(2, os.cpu_count() or 1)))


def shared_reference_dir():
    """../shared/reference beside the clone (CI) or $DYNOFA_SHARED_REFERENCE."""
    env = os.environ.get("DYNOFA_SHARED_REFERENCE")
    cands = [Path(env)] if env else []
    cands.append(REPO_ROOT.parent / "shared" / "reference")
    for c in cands:
        if (c / "dynamic-ofa" / "dynamic_ofa_subnets.json").exists():
            return c
    return None
