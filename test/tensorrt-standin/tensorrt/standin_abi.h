// The private C entry points libnvonnxparser calls in libnvinfer (as onnx-tensorrt reaches into libnvinfer's
// network, the stand-in parser hands the ONNX bytes to the stand-in network). Not part of TensorRT's API.
#pragma once

#include <cstddef>
#include <cstdint>

extern "C" {

// One parse problem, in the shape of nvonnxparser::IParserError.
struct DofaStandinParseError {
  int32_t code;  // nvonnxparser::ErrorCode
  int32_t node;  // node index, or -1
  char desc[1024];
  char nodeName[256];
  char nodeOperator[64];
};

// Reads `size` bytes of ONNX into `network` (an nvinfer1::INetworkDefinition* created by this libnvinfer). Returns
// the number of problems written to `errors` (at most `maxErrors`); 0 means the network now holds the model.
__attribute__((visibility("default"))) int32_t dofaStandinPopulateNetwork(void* network, void const* onnx, size_t size,
                                                                          DofaStandinParseError* errors, int32_t maxErrors);

// 1 when the stand-in imports ONNX operator `opType`, else 0.
__attribute__((visibility("default"))) int32_t dofaStandinSupportsOperator(char const* opType);
}
