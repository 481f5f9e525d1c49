"""Bad input gives clear errors."""
import pytest

from dynofa.configs import (ConfigError, FASHION_SPEC, OFA_MBV3_W12, SupernetSpec, get_spec, make_divisible,
                            max_config, validate_config)
from dynofa.supernet import OFAMobileNetV3

GOOD = {"ks": [3] * 20, "e": [4] * 20, "d": [2, 3, 4, 2, 3], "r": 224}


def test_make_divisible_rule():
    assert make_divisible(16 * 1.2) == 24  # 19.2 -> 16 < 0.9*19.2 -> 24
    assert make_divisible(112 * 1.2) == 136
    assert make_divisible(960 * 1.2) == 1152
    assert make_divisible(3) == 8


def test_good_config_variants():
    c = validate_config(GOOD, OFA_MBV3_W12)
    assert c.r == 224
    c = validate_config({**GOOD, "r": [176], "wid": None}, OFA_MBV3_W12)
    assert c.r == 176


@pytest.mark.parametrize("cfg,msg", [
    ("not a dict", "must be an object"),
    ({"e": [4] * 20, "d": [2] * 5, "r": 224}, "missing 'ks'"),
    ({**GOOD, "ks": [3] * 19}, "must have 20 entries"),
    ({**GOOD, "ks": 3}, "must be a list"),
    ({**GOOD, "e": [4.5] + [4] * 19}, r"e\[0\] must be an integer"),
    ({**GOOD, "ks": [4] + [3] * 19}, r"kernel size ks\[0\]=4 out of range"),
    ({**GOOD, "ks": [3] * 19 + [9]}, r"ks\[19\]=9 out of range"),
    ({**GOOD, "e": [4] * 5 + [5] + [4] * 14}, r"expand ratio e\[5\]=5 out of range"),
    ({**GOOD, "d": [2, 3, 4, 5, 1]}, r"depth d\[3\]=5 out of range"),
    ({**GOOD, "d": [1, 3, 4, 2, 2]}, r"depth d\[0\]=1 out of range"),
    ({k: v for k, v in GOOD.items() if k != "r"}, "missing 'r'"),
    ({**GOOD, "r": [176, 192]}, "1-element list"),
    ({**GOOD, "r": "224"}, "integer resolution"),
    ({**GOOD, "wid": 1.0}, "'wid' must be null"),
    ({**GOOD, "foo": 1}, "unknown keys"),
])
def test_bad_configs(cfg, msg):
    with pytest.raises(ConfigError, match=msg):
        validate_config(cfg, OFA_MBV3_W12)


def test_resolution_range_check():
    with pytest.raises(ConfigError, match="not in the supernet's range"):
        validate_config({**GOOD, "r": 64}, FASHION_SPEC, check_resolution=True)


def test_set_active_subnet_validates():
    m = OFAMobileNetV3("fashion")
    with pytest.raises(ConfigError):
        m.set_active_subnet({**GOOD, "e": [8] * 20})


def test_bad_spec():
    with pytest.raises(ConfigError, match="unknown supernet"):
        get_spec("w2.0")
    with pytest.raises(ConfigError, match="base_widths"):
        SupernetSpec.from_dict({"name": "x", "base_widths": [16, 16]})
    with pytest.raises(ConfigError, match="unknown supernet spec fields"):
        SupernetSpec.from_dict({"name": "x", "bogus": 1})
