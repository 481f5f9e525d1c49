"""OFA's ImageNet accuracy predictor (legacy acc_predictor.pth) and its
128-dimensional architecture encoding:

  60 dims  kernel one-hot, 3 per slot (3, 5, 7)
  60 dims  expand one-hot, 3 per slot (3, 4, 6)
   8 dims  resolution one-hot at (r - 112) // 16
  slots beyond a stage's depth stay all-zero.

MLP 128-400-400-400-1 (ReLU), output = predicted top-1 as a fraction on OFA's
10k-image holdout split of the ImageNet train set."""
from __future__ import annotations

from typing import Any, Sequence

import torch
import torch.nn as nn

from .configs import ConfigError, OFA_MBV3_W12, SupernetSpec, validate_config


def encode_config(cfg: Any, spec: SupernetSpec = OFA_MBV3_W12) -> torch.Tensor:
    c = validate_config(cfg, spec)
    if list(spec.ks_list) != [3, 5, 7] or list(spec.expand_list) != [3, 4, 6] or spec.n_slots != 20:
        raise ConfigError("the OFA accuracy predictor encodes the k357/e346/d234 space only")
    f = torch.zeros(128)
    for i in c.active_slots(spec):
        f[i * 3 + spec.ks_list.index(c.ks[i])] = 1
        f[60 + i * 3 + spec.expand_list.index(c.e[i])] = 1
    b = (c.r - 112) // 16
    if not 0 <= b < 8:
        raise ConfigError(f"resolution {c.r} outside the predictor's range 112..239")
    f[120 + b] = 1
    return f


class AccuracyPredictor(nn.Module):
    def __init__(self, hidden: int = 400, n_layers: int = 3):
        super().__init__()
        layers = []
        d = 128
        for _ in range(n_layers):
            layers += [nn.Linear(d, hidden), nn.ReLU()]
            d = hidden
        layers.append(nn.Linear(d, 1))
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        return self.layers(x).squeeze(-1)

    @staticmethod
    def load(path: str) -> "AccuracyPredictor":
        sd = torch.load(path, map_location="cpu")
        if isinstance(sd, dict) and "state_dict" in sd:
            sd = sd["state_dict"]
        sd = {k.replace("module.", "").replace("layers.", ""): v for k, v in sd.items()}
        m = AccuracyPredictor()
        m.layers.load_state_dict(sd, strict=True)
        return m.eval()

    @torch.no_grad()
    def predict(self, cfgs: Sequence[Any], spec: SupernetSpec = OFA_MBV3_W12) -> list:
        x = torch.stack([encode_config(c, spec) for c in cfgs])
        return [float(v) for v in self(x)]
