// Relative device speeds, so the multi-device runtime manager can be tested: an engine's run takes factor x its
// ONNX Runtime time. DYNAMIC_OFA_STANDIN_SPEED="gpu=1,dla=3" is read once; DYNAMIC_OFA_STANDIN_SPEED_FILE names a
// file with the same text, read at every run, so a test can play a contention trace (the GPU slows, then recovers).
#pragma once

#include <string>

namespace dofa_standin {

// The factor for "gpu" or "dla" now: from the speed file when one is set and readable, else the variable; 1 when
// neither names the device.
double SpeedFactor(const std::string& device);

}  // namespace dofa_standin
