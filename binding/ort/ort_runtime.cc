#include "ort/ort_runtime.h"

#include <dlfcn.h>

#include <mutex>
#include <thread>

#include "core/errors.h"

namespace dofa {
namespace {

// Process-wide on purpose (one ORT library and env per process); holds no N-API handles.
std::mutex g_mutex;
std::weak_ptr<OrtRuntime> g_runtime;
void* g_library = nullptr;  // never dlclose'd: ORT keeps thread-local state that outlives envs
std::string g_libraryPath;

const OrtApiBase* LoadApiBase(const std::string& libraryPath) {
  if (g_library != nullptr && libraryPath != g_libraryPath) {
    throw Error(codes::kRuntimeLoad, "ONNX Runtime is already loaded from '" + g_libraryPath +
                                         "' in this process; cannot also load '" + libraryPath + "'");
  }
  if (g_library == nullptr) {
    void* handle = dlopen(libraryPath.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      const char* reason = dlerror();
      throw Error(codes::kRuntimeLoad, "cannot load the ONNX Runtime library '" + libraryPath +
                                           "': " + (reason ? reason : "unknown dlopen error") +
                                           ". Set DYNAMIC_OFA_ORT_LIBRARY to a libonnxruntime.so.1 (>= 1.17).");
    }
    g_library = handle;
    g_libraryPath = libraryPath;
  }
  using GetApiBaseFn = const OrtApiBase* (*)();
  auto getApiBase = reinterpret_cast<GetApiBaseFn>(dlsym(g_library, "OrtGetApiBase"));
  if (getApiBase == nullptr) {
    throw Error(codes::kRuntimeLoad, "'" + libraryPath + "' is not an ONNX Runtime library (no OrtGetApiBase)");
  }
  return getApiBase();
}

}  // namespace

std::string OrtRuntime::LibraryVersion(const std::string& libraryPath) {
  std::lock_guard<std::mutex> lock(g_mutex);
  return LoadApiBase(libraryPath)->GetVersionString();
}

std::shared_ptr<OrtRuntime> OrtRuntime::Acquire(const std::string& libraryPath, int intraThreads) {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (auto existing = g_runtime.lock()) {
    if (intraThreads != 0 && intraThreads != existing->intraThreads()) {
      throw Error(codes::kThreads, "all models in a process share one ONNX Runtime thread pool, already running " +
                                       std::to_string(existing->intraThreads()) + " threads; requested " +
                                       std::to_string(intraThreads) +
                                       ". Omit `threads`, pass the same value, or close every model first.");
    }
    return existing;
  }
  const OrtApiBase* base = LoadApiBase(libraryPath);
  // Headers of an older ORT drive a newer library: the API table is versioned and append-only.
  const OrtApi* api = base->GetApi(ORT_API_VERSION);
  if (api == nullptr) {
    throw Error(codes::kRuntimeLoad, std::string("the ONNX Runtime library '") + libraryPath + "' (version " +
                                         base->GetVersionString() + ") does not provide C API version " +
                                         std::to_string(ORT_API_VERSION) + "; it is older than these headers");
  }
  if (intraThreads <= 0) {
    intraThreads = static_cast<int>(std::thread::hardware_concurrency());
    if (intraThreads <= 0) intraThreads = 1;
  }
  std::shared_ptr<OrtRuntime> runtime(new OrtRuntime(api, intraThreads));
  g_runtime = runtime;
  return runtime;
}

OrtRuntime::OrtRuntime(const OrtApi* api, int intraThreads) : api_(api), intraThreads_(intraThreads) {
  OrtThreadingOptions* threading = nullptr;
  Check(api_->CreateThreadingOptions(&threading), codes::kRuntimeLoad, "CreateThreadingOptions");
  OrtStatus* status = api_->SetGlobalIntraOpNumThreads(threading, intraThreads_);
  if (status == nullptr) status = api_->SetGlobalInterOpNumThreads(threading, 1);
  if (status == nullptr) {
    // Errors reach the caller as typed errors with ORT's message; ORT's own log would repeat them on stderr.
    status = api_->CreateEnvWithGlobalThreadPools(ORT_LOGGING_LEVEL_FATAL, "dynamic-ofa", threading, &env_);
  }
  api_->ReleaseThreadingOptions(threading);
  Check(status, codes::kRuntimeLoad, "creating the ONNX Runtime environment");
  RegisterSharedArena();
}

void OrtRuntime::RegisterSharedArena() {
  OrtMemoryInfo* memory = nullptr;
  OrtArenaCfg* arena = nullptr;
  OrtStatus* status = api_->CreateCpuMemoryInfo(OrtArenaAllocator, OrtMemTypeDefault, &memory);
  // ONNX Runtime's defaults for every arena setting (0 / -1): only where the arena lives changes.
  if (status == nullptr) status = api_->CreateArenaCfg(0, -1, -1, -1, &arena);
  if (status == nullptr) status = api_->CreateAndRegisterAllocator(env_, memory, arena);
  if (arena != nullptr) api_->ReleaseArenaCfg(arena);
  if (memory != nullptr) api_->ReleaseMemoryInfo(memory);
  if (status != nullptr) {
    api_->ReleaseEnv(env_);
    env_ = nullptr;
  }
  Check(status, codes::kRuntimeLoad, "registering the shared CPU arena in the ONNX Runtime environment");
}

OrtRuntime::~OrtRuntime() {
  if (env_ != nullptr) api_->ReleaseEnv(env_);
}

void OrtRuntime::Check(OrtStatus* status, const char* code, const std::string& what) const {
  if (status == nullptr) return;
  std::string message = what + ": " + api_->GetErrorMessage(status);
  api_->ReleaseStatus(status);
  throw Error(code, message);
}

}  // namespace dofa
