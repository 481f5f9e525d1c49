// The initializers (weights) of an ONNX model, read straight from its bytes: a small, bounds-checked reader of
// protobuf's wire format for the few fields weight sharing needs (ModelProto.graph, GraphProto.initializer and a
// TensorProto's dims, data_type, name and raw_data). A malformed file is an E_MODEL_LOAD error naming the file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace dofa {

struct OnnxInitializer {
  std::string name;
  int32_t dataType = 0;        // ONNX TensorProto.DataType, numbered as ONNXTensorElementDataType
  std::vector<int64_t> dims;
  size_t rawOffset = 0;        // where its raw_data starts in the model's bytes
  size_t rawBytes = 0;
  // Stored as raw_data in the file, with a fixed-size element type whose size matches its dims: it can be handed to
  // ONNX Runtime as a tensor over those bytes. Others (typed fields, external data, strings) are left to ONNX Runtime.
  bool shareable = false;
};

// Every initializer of the main graph, in file order. `file` names the model in errors.
std::vector<OnnxInitializer> ReadOnnxInitializers(const uint8_t* data, size_t size, const std::string& file);

// Bytes per element of an ONNX data type with fixed-size elements, 0 for the others (string, undefined, unknown).
size_t OnnxElementBytes(int32_t dataType);

}  // namespace dofa
