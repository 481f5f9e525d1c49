#include "tensorrt/device_signature.h"

#include <cuda_runtime_api.h>

#include <cstdlib>

#include "common/faults.h"

namespace dofa_standin {

bool CurrentDevice(DeviceSignature* device, std::string* error) {
  int ordinal = 0;
  cudaError_t status = cudaGetDevice(&ordinal);
  cudaDeviceProp properties{};
  if (status == cudaSuccess) status = cudaGetDeviceProperties(&properties, ordinal);
  if (status != cudaSuccess) {
    static_cast<void>(cudaGetLastError());
    *error = std::string("no CUDA device: ") + cudaGetErrorName(status) + " (" + cudaGetErrorString(status) + ")";
    return false;
  }
  device->name = properties.name;
  device->major = properties.major;
  device->minor = properties.minor;
  device->integrated = properties.integrated != 0;
  return true;
}

int32_t DlaCores() {
  DeviceSignature device;
  std::string error;
  if (!CurrentDevice(&device, &error)) return 0;
  const std::string configured = Env("DYNAMIC_OFA_STANDIN_DLA_CORES");
  if (!configured.empty()) return static_cast<int32_t>(std::strtol(configured.c_str(), nullptr, 10));
  return device.integrated ? 2 : 0;
}

}  // namespace dofa_standin
