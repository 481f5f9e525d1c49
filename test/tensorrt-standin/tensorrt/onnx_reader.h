// What the stand-in needs from an ONNX model, read straight from protobuf's wire format (no protobuf library):
// ModelProto -> graph -> nodes (inputs, outputs, name, op_type, domain, integer/float attributes), graph inputs and
// outputs (name, element type, dims with dim_value or dim_param) and initializers (name and dims: to tell weights
// from inputs and to size convolutions). Malformed bytes give an error, never a crash: every length and offset is
// checked against the buffer (the reader is fuzzed by tests/trt_onnx_reader_test.cc).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace dofa_standin {

struct OnnxDim {
  int64_t value = -1;  // -1 when the dimension is symbolic (dim_param) or absent
  std::string param;
};

struct OnnxValueInfo {
  std::string name;
  int32_t elemType = 0;  // TensorProto.DataType: 1 float, 10 float16, 7 int64, ...
  std::vector<OnnxDim> dims;
};

struct OnnxAttribute {
  std::string name;
  bool hasInt = false;
  int64_t i = 0;
  bool hasFloat = false;
  float f = 0;
  std::vector<int64_t> ints;
};

struct OnnxNode {
  std::string name;  // as in the model; may be empty
  std::string opType;
  std::string domain;
  std::vector<std::string> inputs;  // "" marks an omitted optional input
  std::vector<std::string> outputs;
  std::vector<OnnxAttribute> attributes;

  const OnnxAttribute* Attribute(const std::string& attribute) const;
  std::vector<int64_t> Ints(const std::string& attribute) const;  // empty when absent
  int64_t Int(const std::string& attribute, int64_t fallback) const;
};

struct OnnxModel {
  int64_t irVersion = 0;
  std::string graphName;
  std::vector<OnnxNode> nodes;
  std::vector<OnnxValueInfo> inputs;  // graph inputs that are not initializers
  std::vector<OnnxValueInfo> outputs;
  std::map<std::string, std::vector<int64_t>> initializers;  // name -> dims
};

// Reads `size` bytes; on failure returns false with `error` saying what is wrong and where. Also checks the graph
// is usable: it exists, has nodes, inputs and outputs, and every node input is defined before it is used.
bool ReadOnnxModel(const void* data, size_t size, OnnxModel* model, std::string* error);

}  // namespace dofa_standin
