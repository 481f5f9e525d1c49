// A backend makes engines for one kind of device and the host-visible memory they share.
// Adding a backend = a new backend_*.cc registered in backend.cc; Family and the N-API layer stay untouched.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/engine.h"

namespace dofa {

struct BackendOptions {
  std::string device = "cpu";  // cpu | gpu | dla0 | dla1
  std::string ortLibrary;      // ONNX Runtime library to dlopen (cpu)
  int threads = 0;             // ONNX Runtime global intra-op pool size; 0 = keep / all cores
};

class Backend {
 public:
  virtual ~Backend() = default;
  // `modelPath` is what the family lists for this sub-network (an .onnx file, or a serialized engine).
  virtual std::unique_ptr<Engine> LoadEngine(const std::string& modelPath) = 0;
  virtual std::shared_ptr<SharedBuffer> Allocate(size_t floats) = 0;
};

// The backend for options.device, or E_BACKEND_UNAVAILABLE naming what this build has.
std::unique_ptr<Backend> CreateBackend(const BackendOptions& options);
// Backends compiled into this binary ("onnxruntime-cpu", "tensorrt").
std::vector<std::string> CompiledBackends();

}  // namespace dofa
