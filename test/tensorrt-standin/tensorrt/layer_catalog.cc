#include "tensorrt/layer_catalog.h"

#include <map>

namespace dofa_standin {
namespace {

using nvinfer1::LayerType;

struct Entry {
  LayerKind kind;
  bool dla;
};

#if NV_TENSORRT_MAJOR >= 10
constexpr LayerType kCastLayer = LayerType::kCAST;
#else
constexpr LayerType kCastLayer = LayerType::kIDENTITY;  // TensorRT 8's ONNX importer casts with an identity layer
#endif

const std::map<std::string, Entry>& Catalog() {
  static const std::map<std::string, Entry> catalog = {
      {"Conv", {{LayerType::kCONVOLUTION, "CONVOLUTION", "Convolution"}, true}},
      {"ConvTranspose", {{LayerType::kDECONVOLUTION, "DECONVOLUTION", "Deconvolution"}, true}},
      {"Relu", {{LayerType::kACTIVATION, "ACTIVATION", "Activation"}, true}},
      {"LeakyRelu", {{LayerType::kACTIVATION, "ACTIVATION", "Activation"}, true}},
      {"Sigmoid", {{LayerType::kACTIVATION, "ACTIVATION", "Activation"}, true}},
      {"Tanh", {{LayerType::kACTIVATION, "ACTIVATION", "Activation"}, true}},
      {"Clip", {{LayerType::kACTIVATION, "ACTIVATION", "Activation"}, true}},
      {"HardSigmoid", {{LayerType::kACTIVATION, "ACTIVATION", "Activation"}, false}},
      {"HardSwish", {{LayerType::kACTIVATION, "ACTIVATION", "Activation"}, false}},
      {"BatchNormalization", {{LayerType::kSCALE, "SCALE", "Scale"}, true}},
      {"Add", {{LayerType::kELEMENTWISE, "ELEMENTWISE", "ElementWise"}, true}},
      {"Sub", {{LayerType::kELEMENTWISE, "ELEMENTWISE", "ElementWise"}, true}},
      {"Mul", {{LayerType::kELEMENTWISE, "ELEMENTWISE", "ElementWise"}, true}},
      {"Max", {{LayerType::kELEMENTWISE, "ELEMENTWISE", "ElementWise"}, true}},
      {"Min", {{LayerType::kELEMENTWISE, "ELEMENTWISE", "ElementWise"}, true}},
      {"Div", {{LayerType::kELEMENTWISE, "ELEMENTWISE", "ElementWise"}, false}},
      {"MaxPool", {{LayerType::kPOOLING, "POOLING", "Pooling"}, true}},
      {"AveragePool", {{LayerType::kPOOLING, "POOLING", "Pooling"}, true}},
      {"GlobalAveragePool", {{LayerType::kREDUCE, "REDUCE", "Reduce"}, false}},
      {"ReduceMean", {{LayerType::kREDUCE, "REDUCE", "Reduce"}, false}},
      {"Concat", {{LayerType::kCONCATENATION, "CONCATENATION", "Concatenation"}, true}},
      {"Flatten", {{LayerType::kSHUFFLE, "SHUFFLE", "Shuffle"}, false}},
      {"Reshape", {{LayerType::kSHUFFLE, "SHUFFLE", "Shuffle"}, false}},
      {"Gemm", {{LayerType::kMATRIX_MULTIPLY, "MATRIX_MULTIPLY", "MatrixMultiply"}, false}},
      {"MatMul", {{LayerType::kMATRIX_MULTIPLY, "MATRIX_MULTIPLY", "MatrixMultiply"}, false}},
      {"Cast", {{kCastLayer, "CAST", "Cast"}, false}},
      // Explicit (Q/DQ) quantization: TensorRT imports these; DLA does not support them through TensorRT 8.
      {"QuantizeLinear", {{LayerType::kQUANTIZE, "QUANTIZE", "Quantize"}, false}},
      {"DequantizeLinear", {{LayerType::kDEQUANTIZE, "DEQUANTIZE", "Dequantize"}, false}},
  };
  return catalog;
}

bool AllWithin(const std::vector<int64_t>& values, int64_t low, int64_t high) {
  for (int64_t v : values) {
    if (v < low || v > high) return false;
  }
  return true;
}

}  // namespace

bool IsSupportedOperator(const std::string& opType) { return Catalog().count(opType) != 0; }

bool IsSupportedNode(const OnnxNode& node) {
  // ONNX's default domain only (onnx-tensorrt has no importer for com.microsoft's QGemm and the like).
  return (node.domain.empty() || node.domain == "ai.onnx") && IsSupportedOperator(node.opType);
}

LayerKind KindOf(const OnnxNode& node) {
  const auto found = Catalog().find(node.opType);
  return found != Catalog().end() ? found->second.kind : LayerKind{nvinfer1::LayerType::kPLUGIN, "PLUGIN", "Plugin"};
}

bool DlaCanRun(const OnnxNode& node, const OnnxModel& model, std::string* why) {
  const auto found = Catalog().find(node.opType);
  if (found == Catalog().end() || !found->second.dla) return (*why = "Unsupported on DLA", false);
  const std::string& op = node.opType;
  if (op == "Conv" || op == "ConvTranspose") {
    if (node.inputs.size() < 2 || model.initializers.count(node.inputs[1]) == 0) {
      return (*why = "DLA needs constant convolution weights", false);
    }
    if (!AllWithin(node.Ints("kernel_shape"), 1, 32)) return (*why = "DLA supports kernel sizes 1 to 32", false);
    if (!AllWithin(node.Ints("strides"), 1, 8)) return (*why = "DLA supports strides 1 to 8", false);
    if (!AllWithin(node.Ints("pads"), 0, 31)) return (*why = "DLA supports padding 0 to 31", false);
    if (node.Int("group", 1) > 8192) return (*why = "DLA supports at most 8192 groups", false);
  }
  if (op == "MaxPool" || op == "AveragePool") {
    if (!AllWithin(node.Ints("kernel_shape"), 1, 8)) return (*why = "DLA supports pooling windows 1 to 8", false);
    if (!AllWithin(node.Ints("strides"), 1, 16)) return (*why = "DLA supports pooling strides 1 to 16", false);
    if (!AllWithin(node.Ints("pads"), 0, 7)) return (*why = "DLA supports pooling padding 0 to 7", false);
  }
  if (op == "Concat") {
    const int64_t axis = node.Int("axis", 1);
    if (axis != 1 && axis != -3) return (*why = "DLA only supports concatenation on the C dimension", false);
  }
  return true;
}

std::string LayerName(const OnnxModel& model, size_t index) {
  const OnnxNode& node = model.nodes[index];
  return node.name.empty() ? node.opType + "_" + std::to_string(index) : node.name;
}

}  // namespace dofa_standin
