#include "core/backend.h"

#include "core/errors.h"
#include "ort/backend_ort.h"
#ifdef DYNAMIC_OFA_WITH_TENSORRT
#include "trt/backend_trt.h"
#endif

namespace dofa {
namespace {

struct Registered {
  BackendKind kind;
  const char* name;
  std::unique_ptr<Backend> (*create)(const BackendOptions& options);
};

// The backends compiled into this addon.
const Registered kBackends[] = {
    {BackendKind::kOnnxRuntime, "onnxruntime-cpu", &CreateOrtBackend},
#ifdef DYNAMIC_OFA_WITH_TENSORRT
    {BackendKind::kTensorRt, "tensorrt", &CreateTrtBackend},
#endif
};

}  // namespace

std::vector<std::string> CompiledBackends() {
  std::vector<std::string> names;
  for (const Registered& backend : kBackends) names.emplace_back(backend.name);
  return names;
}

std::unique_ptr<Backend> CreateBackend(const BackendOptions& options) {
  for (const Registered& backend : kBackends) {
    if (backend.kind == options.kind) return backend.create(options);
  }
  std::string compiled;
  for (const std::string& name : CompiledBackends()) compiled += (compiled.empty() ? "" : ", ") + name;
  throw Error(codes::kBackendUnavailable, "this backend is not compiled into this addon (compiled: " + compiled + ")");
}

}  // namespace dofa
