// The ONNX Runtime library, loaded with dlopen, and its one process-wide environment.
// ONNX Runtime wants one OrtEnv per process, so every model (in every worker_thread) shares it, and all
// sessions share its global intra-op thread pool: per-session pools keep spinning after a switch and made
// the first inference on the next sub-network 1.8-2.7x slower on 2 cores. Likewise one CPU arena, registered in the env,
// holds the activations of every session that asks for it (session.use_env_allocators).
#pragma once

#include <onnxruntime_c_api.h>

#include <memory>
#include <string>

namespace dofa {

class OrtRuntime {
 public:
  // Returns the shared runtime, creating it on first use. `intraThreads` 0 means "whatever is running, else the
  // number of cores". A different explicit thread count while models are open is an E_THREADS error.
  static std::shared_ptr<OrtRuntime> Acquire(const std::string& libraryPath, int intraThreads);
  // The version string of an already loaded or loadable library, without creating an env.
  static std::string LibraryVersion(const std::string& libraryPath);

  ~OrtRuntime();
  OrtRuntime(const OrtRuntime&) = delete;
  OrtRuntime& operator=(const OrtRuntime&) = delete;

  const OrtApi& api() const { return *api_; }
  OrtEnv* env() const { return env_; }
  int intraThreads() const { return intraThreads_; }

  // Throws dofa::Error(code, what + ORT's message) and releases the status when it is an error.
  void Check(OrtStatus* status, const char* code, const std::string& what) const;

 private:
  OrtRuntime(const OrtApi* api, int intraThreads);
  void RegisterSharedArena();

  const OrtApi* api_;
  OrtEnv* env_ = nullptr;
  int intraThreads_;
};

}  // namespace dofa
