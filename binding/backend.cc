#include "backend.h"

#include "backend_ort.h"
#include "errors.h"

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
  throw Error(codes::kBackendUnavailable, "device '" + options.device +
                                              "' is not available in this build (TensorRT was not compiled in); "
                                              "available: cpu");
}

}  // namespace dofa
