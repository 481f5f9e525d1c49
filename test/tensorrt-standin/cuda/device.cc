// The device model (DYNAMIC_OFA_STANDIN_DEVICE), the versions, the context and its flags.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

#include "cuda/runtime.h"
#include "cuda/stream.h"

namespace dofa_standin {
namespace cuda {
namespace {

struct Model {
  bool present = true;
  cudaDeviceProp properties;
};

// What every modelled device shares; the figures that matter to the addon are set per device below.
void FillCommon(cudaDeviceProp* p) {
  p->sharedMemPerBlock = 48 * 1024;
  p->sharedMemPerBlockOptin = 96 * 1024;
  p->sharedMemPerMultiprocessor = 96 * 1024;
  p->regsPerBlock = 65536;
  p->regsPerMultiprocessor = 65536;
  p->warpSize = 32;
  p->memPitch = 2147483647;
  p->maxThreadsPerBlock = 1024;
  p->maxThreadsDim[0] = 1024;
  p->maxThreadsDim[1] = 1024;
  p->maxThreadsDim[2] = 64;
  p->maxGridSize[0] = 2147483647;
  p->maxGridSize[1] = 65535;
  p->maxGridSize[2] = 65535;
  p->maxThreadsPerMultiProcessor = 2048;
  p->maxBlocksPerMultiProcessor = 32;
  p->totalConstMem = 64 * 1024;
  p->textureAlignment = 512;
  p->texturePitchAlignment = 32;
  p->surfaceAlignment = 512;
  p->deviceOverlap = 1;
  p->concurrentKernels = 1;
  p->asyncEngineCount = 1;
  p->unifiedAddressing = 1;
  p->managedMemory = 1;
  p->streamPrioritiesSupported = 1;
  p->globalL1CacheSupported = 1;
  p->localL1CacheSupported = 1;
  p->computePreemptionSupported = 1;
  p->cooperativeLaunch = 1;
  p->canMapHostMemory = 1;
  p->computeMode = cudaComputeModeDefault;
}

Model MakeModel() {
  Model model;
  std::memset(&model.properties, 0, sizeof(model.properties));
  cudaDeviceProp* p = &model.properties;
  FillCommon(p);
  const std::string device = Env("DYNAMIC_OFA_STANDIN_DEVICE", "xavier-nx");
  if (device == "xavier-nx") {
    std::snprintf(p->name, sizeof(p->name), "dynamic-ofa stand-in GPU (Xavier NX-like, integrated; runs on the CPU)");
    p->integrated = 1;
    p->major = 7;
    p->minor = 2;
    p->multiProcessorCount = 6;
    p->totalGlobalMem = size_t{8} << 30;
    p->l2CacheSize = 512 * 1024;
    p->memoryBusWidth = 128;
    p->clockRate = 1109000;
    p->memoryClockRate = 1866000;
  } else if (device == "discrete") {
    std::snprintf(p->name, sizeof(p->name), "dynamic-ofa stand-in GPU (discrete; runs on the CPU)");
    p->integrated = 0;
    p->major = 9;
    p->minor = 0;
    p->multiProcessorCount = 132;
    p->totalGlobalMem = size_t{80} << 30;
    p->l2CacheSize = 50 * 1024 * 1024;
    p->memoryBusWidth = 5120;
    p->clockRate = 1980000;
    p->memoryClockRate = 2619000;
    p->pciBusID = 1;
    p->ECCEnabled = 1;
  } else if (device == "none") {
    model.present = false;
  } else {
    BadSetting("DYNAMIC_OFA_STANDIN_DEVICE", device, "xavier-nx, discrete or none");
  }
  return model;
}

const Model& TheModel() {
  static const Model model = MakeModel();
  return model;
}

// CUDA's encoding: major * 1000 + minor * 10.
int RuntimeVersion() {
  static const int version = [] {
    const std::string text = Env("DYNAMIC_OFA_STANDIN_CUDA_VERSION");
    if (text.empty()) return STANDIN_CUDART_VERSION;
    int major = 0;
    int minor = 0;
    char rest = 0;
    if (std::sscanf(text.c_str(), "%d.%d%c", &major, &minor, &rest) != 2 || major < 1 || minor < 0 || minor > 99) {
      BadSetting("DYNAMIC_OFA_STANDIN_CUDA_VERSION", text, "major.minor, e.g. 12.2");
    }
    return major * 1000 + minor * 10;
  }();
  return version;
}

// Drivers are usually a little newer than the runtime they run: one minor version, within the same major.
int DriverVersion() {
  const int runtime = RuntimeVersion();
  return std::min(runtime + 10, runtime / 1000 * 1000 + 990);
}

std::mutex& ContextMutex() {
  static std::mutex* mutex = new std::mutex();  // never destroyed: other threads may call in during exit
  return *mutex;
}

bool ValidDeviceFlags(unsigned flags) {
  if ((flags & ~static_cast<unsigned>(cudaDeviceMask)) != 0) return false;
  const unsigned schedule = flags & cudaDeviceScheduleMask;
  return schedule == cudaDeviceScheduleAuto || schedule == cudaDeviceScheduleSpin ||
         schedule == cudaDeviceScheduleYield || schedule == cudaDeviceScheduleBlockingSync;
}

}  // namespace

void BadSetting(const char* variable, const std::string& value, const char* expected) {
  std::fprintf(stderr, "stand-in: %s='%s' is not understood (expected %s)\n", variable, value.c_str(), expected);
  std::fflush(stderr);
  std::abort();
}

bool HasDevice() { return TheModel().present; }

const cudaDeviceProp& DeviceProperties() { return TheModel().properties; }

void EnsureContext() {
  if (Live().context.load()) return;
  std::lock_guard<std::mutex> lock(ContextMutex());
  Live().context = true;
}

}  // namespace cuda
}  // namespace dofa_standin

using dofa_standin::cuda::Fail;
using dofa_standin::cuda::Live;
using dofa_standin::cuda::Needs;

STANDIN_CUDA_EXPORT cudaError_t CUDARTAPI cudaRuntimeGetVersion(int* runtimeVersion) {
  STANDIN_ENTER("cudaRuntimeGetVersion", cudaErrorInsufficientDriver, Needs::kNothing);
  if (runtimeVersion == nullptr) return Fail(cudaErrorInvalidValue);
  *runtimeVersion = dofa_standin::cuda::RuntimeVersion();
  return cudaSuccess;
}

// Without a device the stand-in behaves as a machine without the driver: 0, which CUDA documents for that case.
STANDIN_CUDA_EXPORT cudaError_t CUDARTAPI cudaDriverGetVersion(int* driverVersion) {
  STANDIN_ENTER("cudaDriverGetVersion", cudaErrorInsufficientDriver, Needs::kNothing);
  if (driverVersion == nullptr) return Fail(cudaErrorInvalidValue);
  *driverVersion = dofa_standin::cuda::HasDevice() ? dofa_standin::cuda::DriverVersion() : 0;
  return cudaSuccess;
}

STANDIN_CUDA_EXPORT cudaError_t CUDARTAPI cudaGetDeviceCount(int* count) {
  STANDIN_ENTER("cudaGetDeviceCount", cudaErrorInitializationError, Needs::kNothing);
  if (count == nullptr) return Fail(cudaErrorInvalidValue);
  *count = dofa_standin::cuda::HasDevice() ? 1 : 0;
  return *count == 0 ? Fail(cudaErrorNoDevice) : cudaSuccess;
}

STANDIN_CUDA_EXPORT cudaError_t CUDARTAPI cudaGetDevice(int* device) {
  STANDIN_ENTER("cudaGetDevice", cudaErrorInitializationError, Needs::kDevice);
  if (device == nullptr) return Fail(cudaErrorInvalidValue);
  *device = 0;
  return cudaSuccess;
}

// CUDA 12's cudaSetDevice initializes the device's primary context (a change from CUDA 11): so does the stand-in's.
STANDIN_CUDA_EXPORT cudaError_t CUDARTAPI cudaSetDevice(int device) {
  STANDIN_ENTER("cudaSetDevice", cudaErrorInitializationError, Needs::kDevice);
  if (device != 0) return Fail(cudaErrorInvalidDevice);
#if CUDART_VERSION >= 12000
  dofa_standin::cuda::EnsureContext();
#endif
  return cudaSuccess;
}

// Under CUDA 12 headers this defines (and exports) cudaGetDeviceProperties_v2, through the headers' macro.
STANDIN_CUDA_EXPORT cudaError_t CUDARTAPI cudaGetDeviceProperties(struct cudaDeviceProp* prop, int device) {
  STANDIN_ENTER("cudaGetDeviceProperties", cudaErrorInitializationError, Needs::kDevice);
  if (prop == nullptr) return Fail(cudaErrorInvalidValue);
  if (device != 0) return Fail(cudaErrorInvalidDevice);
  *prop = dofa_standin::cuda::DeviceProperties();
  return cudaSuccess;
}

// Flags take effect only before the context exists, as documented for cudaErrorSetOnActiveProcess.
STANDIN_CUDA_EXPORT cudaError_t CUDARTAPI cudaSetDeviceFlags(unsigned int flags) {
  STANDIN_ENTER("cudaSetDeviceFlags", cudaErrorInitializationError, Needs::kDevice);
  if (!dofa_standin::cuda::ValidDeviceFlags(flags)) return Fail(cudaErrorInvalidValue);
  std::lock_guard<std::mutex> lock(dofa_standin::cuda::ContextMutex());
  if (Live().context.load()) return Fail(cudaErrorSetOnActiveProcess);
  Live().deviceFlags = flags;
  return cudaSuccess;
}

STANDIN_CUDA_EXPORT cudaError_t CUDARTAPI cudaDeviceSynchronize(void) {
  STANDIN_ENTER("cudaDeviceSynchronize", cudaErrorLaunchFailure, Needs::kContext);
  const cudaError_t unsafe = dofa_standin::cuda::CheckCaptureSafe();
  if (unsafe != cudaSuccess) return unsafe;
  dofa_standin::cuda::WaitForStreams(/*blockingOnly=*/false);
  return cudaSuccess;
}
