// The ONNX operators the stand-in imports, the TensorRT layer each becomes, and whether DLA can run it, after
// TensorRT's "DLA Supported Layers and Restrictions" (8.5) and NvInfer.h's per-layer DLA notes: Convolution,
// Deconvolution, Activation (ReLU, LeakyReLU, Sigmoid, TanH, Clip), Scale (BatchNormalization), ElementWise (Sum, Sub,
// Prod, Max, Min), Pooling (max/average, window 1..8) and Concatenation (channel axis) run on DLA; HardSigmoid,
// HardSwish, Div, global pooling and ReduceMean (IReduceLayer), Gemm/MatMul, Flatten/Reshape and the rest do not.
#pragma once

#include <NvInfer.h>

#include <string>

#include "tensorrt/onnx_reader.h"

namespace dofa_standin {

struct LayerKind {
  nvinfer1::LayerType type;
  const char* logName;        // as TensorRT 8's builder prints it: "[GpuLayer] CONVOLUTION: name"
  const char* inspectorType;  // the engine inspector's LayerType for a lone GPU layer
};

// False when the stand-in (like TensorRT's ONNX parser for QLinearConv, QGemm and other ops it has no importer for)
// cannot import `node`.
bool IsSupportedNode(const OnnxNode& node);
bool IsSupportedOperator(const std::string& opType);
LayerKind KindOf(const OnnxNode& node);

// Whether DLA can run `node` (its operator and, for convolution and pooling, its window, stride and padding).
// `why` receives the reason when it cannot.
bool DlaCanRun(const OnnxNode& node, const OnnxModel& model, std::string* why);

// The name TensorRT gives the layer of node `index`: the ONNX node name, or op_type + "_" + index when it has none.
std::string LayerName(const OnnxModel& model, size_t index);

}  // namespace dofa_standin
