// A backend makes engines for one kind of accelerator and the memory its engines share with JS.
// Adding a backend = its sources plus one line in core/backend_registry.cc; Model and the N-API layer stay untouched.
// Backends know accelerators (a DLA core number), not device names: lib/ owns the device list.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/engine.h"

namespace dofa {

enum class BackendKind { kOnnxRuntime, kTensorRt };

struct BackendOptions {
  BackendKind kind = BackendKind::kOnnxRuntime;
  int dlaCore = -1;        // TensorRT: -1 = the GPU, n = DLA core n
  std::string ortLibrary;  // ONNX Runtime: the library to dlopen
  int threads = 0;         // ONNX Runtime: global intra-op pool size; 0 = keep / all cores
  bool ortSessionDefaults = false;  // ONNX Runtime: an arena per session as ONNX Runtime has it (the bench's comparison)
  // ONNX Runtime: the model files are pre-optimized (optimizeModel): loaded without optimizing again, every distinct
  // weight held once for the whole model (ort/weight_store.h).
  bool shareWeights = false;
};

// One sub-network's model file, and where in it the model starts: engine files begin with a header that
// lib/engines/engine-file.ts writes and checks, and the addon skips unread.
struct ModelFile {
  std::string path;
  uint64_t offset = 0;
  // ContentHashHex (core/content_hash.h) the file must have, where the backend reads it whole (ONNX Runtime with
  // shareWeights); '' = not checked.
  std::string contentHash;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::unique_ptr<Engine> LoadEngine(const ModelFile& model) = 0;
  virtual std::shared_ptr<SharedBuffer> Allocate(size_t floats) = 0;
  // Accelerator memory the engines share for intermediate tensors (TensorRT: one block for the largest), 0 if none.
  virtual size_t SharedActivationBytes() const { return 0; }
};

// The backend of options.kind, or E_BACKEND_UNAVAILABLE when it is not compiled into this addon.
std::unique_ptr<Backend> CreateBackend(const BackendOptions& options);
// Backends compiled into this addon, by the names lib/ uses (lib/devices/devices.ts, latency profiles).
std::vector<std::string> CompiledBackends();
// The kind a backend name stands for (compiled in or not); false for a name no backend has.
bool BackendKindOf(const std::string& name, BackendKind* kind);

}  // namespace dofa
