#include "core/backend.h"

#include "ort/backend_ort.h"
#include "core/errors.h"
#ifdef DYNAMIC_OFA_WITH_TENSORRT
#include "trt/backend_trt.h"
#endif

namespace dofa {

std::vector<std::string> CompiledBackends() {
  std::vector<std::string> names = {"onnxruntime-cpu"};
#ifdef DYNAMIC_OFA_WITH_TENSORRT
  names.push_back("tensorrt");
#endif
  return names;
}

std::unique_ptr<Backend> CreateBackend(const BackendOptions& options) {
  if (options.device == "cpu") return CreateOrtBackend(options);
#ifdef DYNAMIC_OFA_WITH_TENSORRT
  if (IsTrtDevice(options.device)) return CreateTrtBackend(options);
  throw Error(codes::kBackendUnavailable, "unknown device '" + options.device + "'; available: cpu, gpu, dla0, dla1");
#endif
  throw Error(codes::kBackendUnavailable, "device '" + options.device +
                                              "' is not available in this build (TensorRT was not compiled in); "
                                              "available: cpu");
}

}  // namespace dofa
