"""dynofa: OFA-MobileNetV3 supernets, sub-network extraction, BN re-calibration,
MACs/params and ONNX export for the dynamic-ofa package (offline tooling; the
runtime never needs Python)."""
