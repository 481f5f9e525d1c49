// Runs an engine's network on the CPU through ONNX Runtime's C API: one OrtEnv for the stand-in (process-wide,
// never released), one OrtSession per engine made from the plan's ONNX bytes (1 intra-op thread, sequential,
// ORT_ENABLE_ALL: the addon's CPU path's numerics). The library: DYNAMIC_OFA_STANDIN_ORT_LIBRARY, else the
// libonnxruntime.so.1 already loaded in the process, else DYNAMIC_OFA_ORT_LIBRARY.
//
// The env is created with global thread pools: ONNX Runtime keeps one env per process and hands whichever was made
// first to every later CreateEnv*, so an env without them would break the addon's CPU families (which disable
// per-session threads) when a TensorRT engine loads first. The stand-in's own sessions use per-session threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

struct OrtApi;
struct OrtSession;
struct OrtMemoryInfo;

namespace dofa_standin {

struct OrtTensorIo {
  std::string name;
  int32_t onnxType = 1;  // TensorProto.DataType
  void* data = nullptr;
  std::vector<int64_t> shape;  // inputs: the shape to run; outputs: ignored
  size_t bytes = 0;            // outputs: the bytes `data` holds, which the result must fill exactly
};

class OrtModel {
 public:
  // nullptr with `error` saying why (no ONNX Runtime library found, a session that does not load).
  static std::unique_ptr<OrtModel> Create(const std::vector<uint8_t>& onnx, std::string* error);
  ~OrtModel();
  OrtModel(const OrtModel&) = delete;
  OrtModel& operator=(const OrtModel&) = delete;

  // Thread-safe (ONNX Runtime sessions run concurrently). Copies each output into its buffer.
  bool Run(const std::vector<OrtTensorIo>& inputs, const std::vector<OrtTensorIo>& outputs, std::string* error) const;

 private:
  OrtModel(const OrtApi* api, OrtSession* session, OrtMemoryInfo* memory) : api_(api), session_(session), memory_(memory) {}
  const OrtApi* api_;
  OrtSession* session_;
  OrtMemoryInfo* memory_;
};

// Bytes per element of an ONNX element type (0 when unknown).
size_t OnnxTypeBytes(int32_t onnxType);

}  // namespace dofa_standin
