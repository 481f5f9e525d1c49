// Tensor shapes through the graph for concrete input shapes, for the operators the stand-in imports (a small shape
// inference: convolution and pooling arithmetic, broadcasting, flatten, Gemm). Used to resolve an output shape
// once an input shape is set, and to size a context's activation memory. Unknown shapes (Reshape with a runtime
// shape, an op it does not model) stay unknown; callers fall back to the shapes the ONNX declares.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "tensorrt/onnx_reader.h"

namespace dofa_standin {

using Shape = std::vector<int64_t>;

// Every tensor whose shape follows from `inputs` (graph input name -> dims); initializers included.
std::map<std::string, Shape> EstimateShapes(const OnnxModel& model, const std::map<std::string, Shape>& inputs);

// Bytes of activation memory a context needs (float32): the peak of the intermediate tensors alive at once when the
// nodes run in order (network inputs, outputs and weights are not activations), plus a convolution scratch
// (im2col-sized) as a tactic's workspace and 256 bytes per layer; at least 4 KiB, rounded to 4 KiB. Tensors of unknown shape count as large
// as the network input.
int64_t EstimateActivationBytes(const OnnxModel& model, const std::map<std::string, Shape>& inputs);

// Elements in `shape`, saturating at 2^40 (shapes come from untrusted files).
int64_t Volume(const Shape& shape);

}  // namespace dofa_standin
