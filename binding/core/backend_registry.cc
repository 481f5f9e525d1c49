#include "core/backend.h"

#include <utility>

#include "core/errors.h"
#include "ort/backend_ort.h"
#ifdef DYNAMIC_OFA_WITH_TENSORRT
#include "trt/backend_trt.h"
#endif

namespace dofa {
namespace {

// Every backend's name, whether or not it is compiled into this addon.
const std::pair<BackendKind, const char*> kNames[] = {
    {BackendKind::kOnnxRuntime, "onnxruntime-cpu"},
    {BackendKind::kTensorRt, "tensorrt"},
};

struct Registered {
  BackendKind kind;
  std::unique_ptr<Backend> (*create)(const BackendOptions& options);
};

// The backends compiled into this addon.
const Registered kBackends[] = {
    {BackendKind::kOnnxRuntime, &CreateOrtBackend},
#ifdef DYNAMIC_OFA_WITH_TENSORRT
    {BackendKind::kTensorRt, &CreateTrtBackend},
#endif
};

const char* NameOf(BackendKind kind) {
  for (const auto& [named, name] : kNames) {
    if (named == kind) return name;
  }
  return "unknown";
}

}  // namespace

std::vector<std::string> CompiledBackends() {
  std::vector<std::string> names;
  for (const Registered& backend : kBackends) names.emplace_back(NameOf(backend.kind));
  return names;
}

bool BackendKindOf(const std::string& name, BackendKind* kind) {
  for (const auto& [named, known] : kNames) {
    if (name == known) {
      *kind = named;
      return true;
    }
  }
  return false;
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
