"""OFA accuracy-predictor encoding (128-D) and loading."""
import torch

from dynofa.configs import OFA_MBV3_W12
from dynofa.predictor import AccuracyPredictor, encode_config

CFG = {"ks": [5, 7, 7, 7, 3, 5, 5, 7, 7, 7, 5, 3, 5, 3, 3, 7, 3, 3, 7, 7],
       "e": [6, 4, 4, 6, 4, 3, 6, 4, 6, 4, 4, 6, 4, 6, 4, 6, 4, 3, 3, 4],
       "d": [3, 2, 3, 2, 2], "r": [176]}


def test_encoding():
    f = encode_config(CFG)
    assert f.shape == (128,)
    assert f[:60].sum() == 12 and f[60:120].sum() == 12 and f[120:].sum() == 1
    assert f[120 + 4] == 1  # (176 - 112) // 16
    assert f[0 * 3 + 1] == 1 and f[60 + 0 * 3 + 2] == 1  # slot 0: k5, e6
    assert f[3 * 3: 4 * 3].sum() == 0  # slot 3 skipped (d[0] = 3)


def test_load_and_predict(tmp_path):
    m = AccuracyPredictor()
    sd = {k.replace("layers.", ""): v for k, v in m.state_dict().items()}
    assert sorted(sd) == ["0.bias", "0.weight", "2.bias", "2.weight", "4.bias", "4.weight", "6.bias", "6.weight"]
    torch.save(sd, tmp_path / "acc_predictor.pth")
    m2 = AccuracyPredictor.load(str(tmp_path / "acc_predictor.pth"))
    p = m2.predict([CFG, {**CFG, "r": 224}])
    assert len(p) == 2 and all(isinstance(v, float) for v in p)
