"""Supernet specifications, sub-network configs and their validation.

A sub-network config follows the OFA / Dynamic-OFA encoding:

    {"ks": [20 ints], "e": [20 ints], "d": [5 ints], "r": int or [int]}

Slot ``i`` of ``ks``/``e`` belongs to stage ``i // 4`` (position ``i % 4``);
slots beyond a stage's depth are ignored (but must still hold valid values).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, asdict
from typing import Any, Dict, List, Optional, Sequence, Tuple


class ConfigError(ValueError):
    """Raised for malformed or out-of-range sub-network configs / specs."""


class CheckpointError(ValueError):
    """Raised when a checkpoint does not fit the supernet."""


CHANNEL_DIVISIBLE = 8
SE_REDUCTION = 4


def make_divisible(v: float, divisor: int = CHANNEL_DIVISIBLE, min_val: Optional[int] = None) -> int:
    """OFA/MobileNet rounding: nearest multiple of ``divisor`` (min ``divisor``),
    plus one more ``divisor`` when rounding lost more than 10 %."""
    if min_val is None:
        min_val = divisor
    new_v = max(min_val, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


@dataclass
class SupernetSpec:
    """Static description of an elastic OFA-MobileNetV3 supernet."""

    name: str
    width_mult: float = 1.0
    # stem, first block, 5 stages, final expand, feature mix (before width_mult)
    base_widths: Tuple[int, ...] = (16, 16, 24, 40, 80, 112, 160, 960, 1280)
    in_channels: int = 3
    n_classes: int = 1000
    stem_stride: int = 2
    stage_strides: Tuple[int, ...] = (2, 2, 2, 1, 2)
    stage_acts: Tuple[str, ...] = ("relu", "relu", "h_swish", "h_swish", "h_swish")
    stage_se: Tuple[bool, ...] = (False, True, False, True, True)
    first_block_act: str = "relu"
    ks_list: Tuple[int, ...] = (3, 5, 7)
    expand_list: Tuple[int, ...] = (3, 4, 6)
    depth_list: Tuple[int, ...] = (2, 3, 4)
    resolutions: Tuple[int, ...] = (160, 176, 192, 208, 224)
    bn_momentum: float = 0.1
    bn_eps: float = 1e-5
    dropout: float = 0.0

    # ---- derived -------------------------------------------------------
    @property
    def n_stages(self) -> int:
        return len(self.stage_strides)

    @property
    def max_depth(self) -> int:
        return max(self.depth_list)

    @property
    def n_slots(self) -> int:
        return self.n_stages * self.max_depth

    @property
    def widths(self) -> List[int]:
        return [make_divisible(w * self.width_mult) for w in self.base_widths]

    @property
    def stem_width(self) -> int:
        return self.widths[0]

    @property
    def first_block_width(self) -> int:
        return self.widths[1]

    @property
    def stage_widths(self) -> List[int]:
        return self.widths[2:2 + self.n_stages]

    @property
    def final_expand_width(self) -> int:
        return self.widths[-2]

    @property
    def last_channel(self) -> int:
        return self.widths[-1]

    def to_dict(self) -> Dict[str, Any]:
        d = asdict(self)
        for k, v in d.items():
            if isinstance(v, tuple):
                d[k] = list(v)
        return d

    @staticmethod
    def from_dict(d: Dict[str, Any]) -> "SupernetSpec":
        known = {f for f in SupernetSpec.__dataclass_fields__}
        unknown = set(d) - known
        if unknown:
            raise ConfigError(f"unknown supernet spec fields: {sorted(unknown)}")
        kw = {k: tuple(v) if isinstance(v, list) else v for k, v in d.items()}
        spec = SupernetSpec(**kw)
        spec.check()
        return spec

    def check(self) -> None:
        if len(self.base_widths) != self.n_stages + 4:
            raise ConfigError(
                f"base_widths needs {self.n_stages + 4} entries (stem, first block, "
                f"{self.n_stages} stages, final expand, feature mix), got {len(self.base_widths)}")
        for name in ("stage_acts", "stage_se"):
            if len(getattr(self, name)) != self.n_stages:
                raise ConfigError(f"{name} needs {self.n_stages} entries")
        for a in list(self.stage_acts) + [self.first_block_act]:
            if a not in ("relu", "h_swish"):
                raise ConfigError(f"unknown activation {a!r} (relu or h_swish)")
        if sorted(self.ks_list) != list(self.ks_list) or any(k % 2 == 0 for k in self.ks_list):
            raise ConfigError("ks_list must be ascending odd kernel sizes")


# The published OFA supernets ofa_mbv3_d234_e346_k357_w{1.0,1.2}.
OFA_MBV3_W10 = SupernetSpec(name="ofa_mbv3_d234_e346_k357_w1.0", width_mult=1.0)
OFA_MBV3_W12 = SupernetSpec(name="ofa_mbv3_d234_e346_k357_w1.2", width_mult=1.2)

# The small supernet of the bundled Fashion-MNIST family (1 x r x r grey input,
# r in 16..28): OFA-MobileNetV3 layout (5 elastic stages, k 3/5/7, e 3/4/6,
# d 2/3/4, SE in stages 2/4/5, h-swish in stages 3-5) with narrow widths and a
# stride-2 stem so that training on 2 CPU cores takes ~25 minutes.
FASHION_SPEC = SupernetSpec(
    name="fashion-ofa-mbv3",
    width_mult=1.0,
    base_widths=(16, 16, 16, 24, 32, 40, 48, 128, 160),
    in_channels=1,
    n_classes=10,
    stem_stride=2,
    stage_strides=(2, 2, 1, 2, 1),
    resolutions=(16, 20, 24, 28),
    dropout=0.1,
)

PRESETS = {
    "w1.0": OFA_MBV3_W10,
    "w1.2": OFA_MBV3_W12,
    OFA_MBV3_W10.name: OFA_MBV3_W10,
    OFA_MBV3_W12.name: OFA_MBV3_W12,
    "fashion": FASHION_SPEC,
    FASHION_SPEC.name: FASHION_SPEC,
}


def get_spec(name_or_spec: Any) -> SupernetSpec:
    if isinstance(name_or_spec, SupernetSpec):
        return name_or_spec
    if isinstance(name_or_spec, dict):
        return SupernetSpec.from_dict(name_or_spec)
    if name_or_spec in PRESETS:
        return PRESETS[name_or_spec]
    raise ConfigError(f"unknown supernet {name_or_spec!r}; known: {sorted(PRESETS)}")


@dataclass
class SubnetConfig:
    ks: List[int]
    e: List[int]
    d: List[int]
    r: int

    def to_dict(self) -> Dict[str, Any]:
        return {"ks": list(self.ks), "e": list(self.e), "d": list(self.d), "r": int(self.r)}

    def key(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    def active_slots(self, spec: SupernetSpec) -> List[int]:
        out = []
        for s in range(spec.n_stages):
            for p in range(self.d[s]):
                out.append(s * spec.max_depth + p)
        return out


def _int_list(cfg: Dict[str, Any], key: str, n: int) -> List[int]:
    if key not in cfg:
        raise ConfigError(f"config is missing {key!r} (needs ks[{n}] style lists)")
    v = cfg[key]
    if not isinstance(v, (list, tuple)):
        raise ConfigError(f"config {key!r} must be a list of {n} integers, got {type(v).__name__}")
    if len(v) != n:
        raise ConfigError(f"config {key!r} must have {n} entries, got {len(v)}")
    out = []
    for i, x in enumerate(v):
        if isinstance(x, bool) or not isinstance(x, (int, float)) or int(x) != x:
            raise ConfigError(f"config {key}[{i}] must be an integer, got {x!r}")
        out.append(int(x))
    return out


def validate_config(cfg: Any, spec: SupernetSpec, check_resolution: bool = False) -> SubnetConfig:
    """Parse and validate a sub-network config against ``spec``.

    Accepts a dict with ks/e/d/r (r may be an int or a 1-element list, as in OFA
    pickles; an extra ``wid: null`` is tolerated) or a SubnetConfig."""
    if isinstance(cfg, SubnetConfig):
        cfg = cfg.to_dict()
    if not isinstance(cfg, dict):
        raise ConfigError(f"config must be an object with ks, e, d, r; got {type(cfg).__name__}")
    extra = set(cfg) - {"ks", "e", "d", "r", "wid"}
    if extra:
        raise ConfigError(f"config has unknown keys {sorted(extra)} (allowed: ks, e, d, r)")
    if cfg.get("wid") is not None:
        raise ConfigError("config 'wid' must be null: OFA-MobileNetV3 has no elastic width")
    n = spec.n_slots
    ks = _int_list(cfg, "ks", n)
    e = _int_list(cfg, "e", n)
    d = _int_list(cfg, "d", spec.n_stages)
    for i, k in enumerate(ks):
        if k not in spec.ks_list:
            raise ConfigError(f"kernel size ks[{i}]={k} out of range; allowed {list(spec.ks_list)}")
    for i, x in enumerate(e):
        if x not in spec.expand_list:
            raise ConfigError(f"expand ratio e[{i}]={x} out of range; allowed {list(spec.expand_list)}")
    for i, x in enumerate(d):
        if x not in spec.depth_list:
            raise ConfigError(f"depth d[{i}]={x} out of range; allowed {list(spec.depth_list)}")
    if "r" not in cfg:
        raise ConfigError("config is missing 'r' (input resolution)")
    r = cfg["r"]
    if isinstance(r, (list, tuple)):
        if len(r) != 1:
            raise ConfigError(f"config 'r' must be an int or a 1-element list, got {r!r}")
        r = r[0]
    if isinstance(r, bool) or not isinstance(r, (int, float)) or int(r) != r or r < 8:
        raise ConfigError(f"config 'r' must be an integer resolution >= 8, got {r!r}")
    r = int(r)
    if check_resolution and r not in spec.resolutions:
        raise ConfigError(f"resolution {r} not in the supernet's range {list(spec.resolutions)}")
    return SubnetConfig(ks, e, d, r)


def max_config(spec: SupernetSpec, r: Optional[int] = None) -> SubnetConfig:
    return SubnetConfig([max(spec.ks_list)] * spec.n_slots, [max(spec.expand_list)] * spec.n_slots,
                        [max(spec.depth_list)] * spec.n_stages, r or max(spec.resolutions))


def min_config(spec: SupernetSpec, r: Optional[int] = None) -> SubnetConfig:
    return SubnetConfig([min(spec.ks_list)] * spec.n_slots, [min(spec.expand_list)] * spec.n_slots,
                        [min(spec.depth_list)] * spec.n_stages, r or min(spec.resolutions))


def random_config(spec: SupernetSpec, rng, resolutions: Optional[Sequence[int]] = None) -> SubnetConfig:
    """Uniform random config; ``rng`` is a ``random.Random``."""
    res = list(resolutions or spec.resolutions)
    return SubnetConfig(
        [rng.choice(spec.ks_list) for _ in range(spec.n_slots)],
        [rng.choice(spec.expand_list) for _ in range(spec.n_slots)],
        [rng.choice(spec.depth_list) for _ in range(spec.n_stages)],
        rng.choice(res),
    )


@dataclass
class BlockArch:
    """One executed MBConv block of a sub-network."""

    slot: int  # -1 for the fixed first block
    stage: int
    in_ch: int
    mid: int
    out: int
    k: int
    stride: int
    se: bool
    se_mid: int
    act: str
    residual: bool
    e: int = 1
    in_hw: int = 0
    out_hw: int = 0


@dataclass
class SubnetArch:
    spec: SupernetSpec
    config: SubnetConfig
    stem_out_hw: int
    blocks: List[BlockArch] = field(default_factory=list)  # first block included

    @property
    def final_hw(self) -> int:
        return self.blocks[-1].out_hw


def conv_out(hw: int, stride: int) -> int:
    # same padding (k // 2), odd kernels: floor((H - 1) / s) + 1
    return (hw - 1) // stride + 1


def subnet_arch(spec: SupernetSpec, cfg: Any) -> SubnetArch:
    cfg = validate_config(cfg, spec)
    hw = conv_out(cfg.r, spec.stem_stride)
    arch = SubnetArch(spec, cfg, hw)
    fb = spec.first_block_width
    arch.blocks.append(BlockArch(-1, -1, spec.stem_width, spec.stem_width, fb, 3, 1, False, 0,
                                 spec.first_block_act, spec.stem_width == fb, 1, hw, hw))
    in_ch = fb
    for s in range(spec.n_stages):
        out = spec.stage_widths[s]
        for p in range(cfg.d[s]):
            slot = s * spec.max_depth + p
            stride = spec.stage_strides[s] if p == 0 else 1
            mid = make_divisible(round(in_ch * cfg.e[slot]))
            se = spec.stage_se[s]
            se_mid = make_divisible(mid // SE_REDUCTION) if se else 0
            ohw = conv_out(hw, stride)
            arch.blocks.append(BlockArch(slot, s, in_ch, mid, out, cfg.ks[slot], stride, se, se_mid,
                                         spec.stage_acts[s], stride == 1 and in_ch == out,
                                         cfg.e[slot], hw, ohw))
            in_ch, hw = out, ohw
    return arch
