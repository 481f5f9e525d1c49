// ONNX for the stand-in's tests: ONNX Runtime run directly (the reference an engine's output is compared with) and a
// minimal protobuf writer for models the fixtures lack (a dynamic batch, an output ONNX Runtime cannot fill).
#pragma once

#include <dlfcn.h>
#include <onnxruntime_c_api.h>

#include <string>
#include <vector>

#include "tests/trt_test_util.h"

namespace trt_test {

// Runs `onnx` (bytes) on ONNX Runtime with one float input; empty on failure (the message in *error).
inline std::vector<float> OrtReference(const std::vector<uint8_t>& onnx, const std::vector<float>& input, const std::vector<int64_t>& shape,
                                       std::string* error) {
  void* library = dlopen(OrtLibrary().c_str(), RTLD_NOW | RTLD_LOCAL);
  using GetApiBase = const OrtApiBase* (*)();
  auto getApiBase = library != nullptr ? reinterpret_cast<GetApiBase>(dlsym(library, "OrtGetApiBase")) : nullptr;
  const OrtApi* api = getApiBase != nullptr ? getApiBase()->GetApi(ORT_API_VERSION) : nullptr;
  if (api == nullptr) return (*error = "no ONNX Runtime at " + OrtLibrary(), std::vector<float>{});
  static OrtEnv* env = nullptr;  // one per process, as ONNX Runtime keeps it
  OrtStatus* status = env == nullptr ? api->CreateEnv(ORT_LOGGING_LEVEL_FATAL, "trt-test", &env) : nullptr;
  OrtSessionOptions* options = nullptr;
  OrtSession* session = nullptr;
  OrtMemoryInfo* memory = nullptr;
  OrtValue* in = nullptr;
  OrtValue* out = nullptr;
  std::vector<float> result;
  if (status == nullptr) status = api->CreateSessionOptions(&options);
  if (status == nullptr) status = api->SetIntraOpNumThreads(options, 1);
  if (status == nullptr) status = api->SetSessionGraphOptimizationLevel(options, ORT_ENABLE_ALL);
  if (status == nullptr) status = api->CreateSessionFromArray(env, onnx.data(), onnx.size(), options, &session);
  if (status == nullptr) status = api->CreateCpuMemoryInfo(OrtArenaAllocator, OrtMemTypeDefault, &memory);
  if (status == nullptr) {
    status = api->CreateTensorWithDataAsOrtValue(memory, const_cast<float*>(input.data()), input.size() * 4, shape.data(), shape.size(),
                                                 ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT, &in);
  }
  char* inName = nullptr;
  char* outName = nullptr;
  OrtAllocator* allocator = nullptr;
  if (status == nullptr) status = api->GetAllocatorWithDefaultOptions(&allocator);
  if (status == nullptr) status = api->SessionGetInputName(session, 0, allocator, &inName);
  if (status == nullptr) status = api->SessionGetOutputName(session, 0, allocator, &outName);
  if (status == nullptr) status = api->Run(session, nullptr, &inName, &in, 1, &outName, 1, &out);
  OrtTensorTypeAndShapeInfo* info = nullptr;
  size_t count = 0;
  float* data = nullptr;
  if (status == nullptr) status = api->GetTensorTypeAndShape(out, &info);
  if (status == nullptr) status = api->GetTensorShapeElementCount(info, &count);
  if (status == nullptr) status = api->GetTensorMutableData(out, reinterpret_cast<void**>(&data));
  if (status == nullptr) result.assign(data, data + count);
  if (status != nullptr) {
    *error = api->GetErrorMessage(status);
    api->ReleaseStatus(status);
  }
  if (info != nullptr) api->ReleaseTensorTypeAndShapeInfo(info);
  if (inName != nullptr) allocator->Free(allocator, inName);
  if (outName != nullptr) allocator->Free(allocator, outName);
  if (out != nullptr) api->ReleaseValue(out);
  if (in != nullptr) api->ReleaseValue(in);
  if (memory != nullptr) api->ReleaseMemoryInfo(memory);
  if (session != nullptr) api->ReleaseSession(session);
  if (options != nullptr) api->ReleaseSessionOptions(options);
  return result;
}

// Protobuf wire format, just enough for ModelProto.
class Proto {
 public:
  Proto& Varint(uint32_t field, uint64_t value) {
    Key(field, 0);
    Raw(value);
    return *this;
  }
  Proto& Bytes(uint32_t field, const std::string& bytes) {
    Key(field, 2);
    Raw(bytes.size());
    out_ += bytes;
    return *this;
  }
  Proto& Message(uint32_t field, const Proto& message) { return Bytes(field, message.out_); }
  const std::string& str() const { return out_; }

 private:
  void Key(uint32_t field, uint32_t type) { Raw((static_cast<uint64_t>(field) << 3) | type); }
  void Raw(uint64_t value) {
    do {
      uint8_t byte = value & 0x7f;
      value >>= 7;
      out_ += static_cast<char>(byte | (value != 0 ? 0x80 : 0));
    } while (value != 0);
  }
  std::string out_;
};

// A float tensor's ValueInfoProto; dims < 0 become dim_param "N".
inline Proto ValueInfo(const std::string& name, const std::vector<int64_t>& dims, int elemType = 1) {
  Proto shape;
  for (int64_t d : dims) shape.Message(1, d < 0 ? Proto().Bytes(2, "N") : Proto().Varint(1, static_cast<uint64_t>(d)));
  return Proto().Bytes(1, name).Message(2, Proto().Message(1, Proto().Varint(1, static_cast<uint64_t>(elemType)).Message(2, shape)));
}

inline Proto Node(const std::string& op, const std::vector<std::string>& inputs, const std::vector<std::string>& outputs, const std::string& name = "") {
  Proto node;
  for (const std::string& input : inputs) node.Bytes(1, input);
  for (const std::string& output : outputs) node.Bytes(2, output);
  if (!name.empty()) node.Bytes(3, name);
  return node.Bytes(4, op);
}

// ModelProto (IR 8, opset 14) of `nodes` between one input and one output.
inline std::vector<uint8_t> Model(const std::vector<Proto>& nodes, const Proto& input, const Proto& output) {
  Proto graph;
  for (const Proto& node : nodes) graph.Message(1, node);
  graph.Bytes(2, "test").Message(11, input).Message(12, output);
  const std::string bytes = Proto().Varint(1, 8).Message(8, Proto().Varint(2, 14)).Message(7, graph).str();
  return std::vector<uint8_t>(bytes.begin(), bytes.end());
}

inline std::string WriteTemp(const std::vector<uint8_t>& bytes, const std::string& name) {
  const std::string path = "/tmp/trt-standin-test-" + std::to_string(getpid()) + "-" + name;
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return path;
}

}  // namespace trt_test
