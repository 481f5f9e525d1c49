// libnvinfer's C entry points: the factories the headers' inline createInferBuilder / createInferRuntime call, the
// version queries, and getLogger. Each factory adopts the first logger it sees (process_logger.h), refuses callers
// compiled against another TensorRT major (their vtables differ) and, like TensorRT, fails without a CUDA device.
#define TENSORRT_BUILD_LIB 1  // the headers' TENSORRTAPI exports what is defined here
#include <NvInfer.h>

#include "common/faults.h"
#include "tensorrt/builder.h"
#include "tensorrt/device_signature.h"
#include "tensorrt/library_version.h"
#include "tensorrt/process_logger.h"
#include "tensorrt/runtime.h"

namespace dofa_standin {
namespace {

// Common checks of both factories; false when the object must not be created (the reason logged).
bool FactoryChecks(const char* factory, void* logger, int32_t version) {
  AdoptLogger(static_cast<nvinfer1::ILogger*>(logger));
  if (InjectedFault(factory)) return false;
  const TrtVersion caller = DecodeEncodedVersion(version);
  if (caller.major != LibraryVersion().major) {
    LogError(std::string("1: [") + factory + "] Error Code 1: Internal Error (the application was compiled against TensorRT " +
             std::to_string(caller.major) + "." + std::to_string(caller.minor) + ", this library is " + LibraryVersion().Text() +
             "; another major has other interfaces)");
    return false;
  }
  DeviceSignature device;
  std::string error;
  if (!CurrentDevice(&device, &error)) {
    LogError(std::string("6: [") + factory + "] CUDA initialization failure (" + error + "). Please check your CUDA installation.");
    return false;
  }
  return true;
}

}  // namespace
}  // namespace dofa_standin

extern "C" TENSORRTAPI void* createInferBuilder_INTERNAL(void* logger, int32_t version) noexcept {
  if (!dofa_standin::FactoryChecks("createInferBuilder", logger, version)) return nullptr;
  return static_cast<nvinfer1::IBuilder*>(new dofa_standin::StandinBuilder());
}

extern "C" TENSORRTAPI void* createInferRuntime_INTERNAL(void* logger, int32_t version) noexcept {
  if (!dofa_standin::FactoryChecks("createInferRuntime", logger, version)) return nullptr;
  return static_cast<nvinfer1::IRuntime*>(new dofa_standin::StandinRuntime());
}

extern "C" TENSORRTAPI int32_t getInferLibVersion() noexcept { return dofa_standin::LibraryVersion().Encoded(); }

extern "C" TENSORRTAPI nvinfer1::ILogger* getLogger() noexcept { return dofa_standin::ProcessLogger(); }

#if NV_TENSORRT_MAJOR >= 10
extern "C" TENSORRTAPI int32_t getInferLibMajorVersion() noexcept { return dofa_standin::LibraryVersion().major; }
extern "C" TENSORRTAPI int32_t getInferLibMinorVersion() noexcept { return dofa_standin::LibraryVersion().minor; }
extern "C" TENSORRTAPI int32_t getInferLibPatchVersion() noexcept { return dofa_standin::LibraryVersion().patch; }
extern "C" TENSORRTAPI int32_t getInferLibBuildVersion() noexcept { return dofa_standin::LibraryVersion().build; }
#endif
