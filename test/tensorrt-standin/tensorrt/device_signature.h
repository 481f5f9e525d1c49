// The device a plan or timing cache is bound to, from the CUDA runtime (cudaGetDeviceProperties), and the DLA cores
// TensorRT reports on it: DYNAMIC_OFA_STANDIN_DLA_CORES when set, else 2 on an integrated device (Xavier NX has two
// DLA cores) and 0 on a discrete GPU.
#pragma once

#include <cstdint>
#include <string>

namespace dofa_standin {

struct DeviceSignature {
  std::string name;
  int32_t major = 0;
  int32_t minor = 0;
  bool integrated = false;

  bool operator==(const DeviceSignature& other) const {
    return name == other.name && major == other.major && minor == other.minor && integrated == other.integrated;
  }
  bool operator!=(const DeviceSignature& other) const { return !(*this == other); }
  std::string ComputeText() const { return std::to_string(major) + "." + std::to_string(minor); }
};

// The current device; false (with the CUDA error in `error`) when there is none.
bool CurrentDevice(DeviceSignature* device, std::string* error);

// DLA cores of the current device (0 without a device).
int32_t DlaCores();

}  // namespace dofa_standin
