#include "tensorrt/shape_estimate.h"

#include <algorithm>
#include <set>

namespace dofa_standin {
namespace {

constexpr int64_t kCap = int64_t{1} << 40;

int64_t SatMul(int64_t a, int64_t b) {
  if (a <= 0 || b <= 0) return 0;
  return a > kCap / b ? kCap : a * b;
}

int64_t At(const std::vector<int64_t>& values, size_t i, int64_t fallback) { return i < values.size() ? values[i] : fallback; }

// Convolution / pooling output: floor or ceil((in + pads - dilation*(k-1) - 1) / stride) + 1 per spatial dim.
bool Windowed(const OnnxNode& node, const Shape& in, const std::vector<int64_t>& kernel, int64_t channels, Shape* out) {
  if (in.size() < 3 || kernel.size() != in.size() - 2) return false;
  const std::vector<int64_t> strides = node.Ints("strides");
  const std::vector<int64_t> pads = node.Ints("pads");
  const std::vector<int64_t> dilations = node.Ints("dilations");
  const bool ceilMode = node.Int("ceil_mode", 0) != 0;
  const size_t spatial = kernel.size();
  *out = {in[0], channels};
  for (size_t i = 0; i < spatial; ++i) {
    const int64_t stride = std::max<int64_t>(1, At(strides, i, 1));
    const int64_t span = std::max<int64_t>(1, At(dilations, i, 1)) * (kernel[i] - 1) + 1;
    const int64_t padded = in[i + 2] + At(pads, i, 0) + At(pads, i + spatial, 0) - span;
    if (padded < 0 || in[i + 2] > kCap) return false;
    out->push_back((ceilMode ? (padded + stride - 1) / stride : padded / stride) + 1);
  }
  return true;
}

bool Broadcast(const std::vector<const Shape*>& shapes, Shape* out) {
  size_t rank = 0;
  for (const Shape* s : shapes) rank = std::max(rank, s->size());
  out->assign(rank, 1);
  for (const Shape* s : shapes) {
    for (size_t i = 0; i < s->size(); ++i) {
      int64_t& target = (*out)[rank - s->size() + i];
      const int64_t dim = (*s)[i];
      if (dim == target || dim == 1) continue;
      if (target != 1) return false;
      target = dim;
    }
  }
  return true;
}

// The output shape of `node`, when its inputs' shapes are known and the op is modelled.
bool Infer(const OnnxNode& node, const std::map<std::string, Shape>& known, Shape* out) {
  std::vector<const Shape*> in;
  for (const std::string& name : node.inputs) {
    if (name.empty()) continue;
    const auto found = known.find(name);
    in.push_back(found == known.end() ? nullptr : &found->second);
  }
  if (in.empty() || in[0] == nullptr) return false;
  const Shape& x = *in[0];
  const std::string& op = node.opType;
  if (op == "Conv") {
    if (in.size() < 2 || in[1] == nullptr || in[1]->size() != x.size()) return false;
    const Shape& w = *in[1];
    std::vector<int64_t> kernel = node.Ints("kernel_shape");
    if (kernel.empty()) kernel.assign(w.begin() + 2, w.end());
    return Windowed(node, x, kernel, w[0], out);
  }
  if (op == "MaxPool" || op == "AveragePool") return Windowed(node, x, node.Ints("kernel_shape"), x.size() > 1 ? x[1] : 1, out);
  if (op == "GlobalAveragePool") {
    if (x.size() < 2) return false;
    *out = x;
    std::fill(out->begin() + 2, out->end(), 1);
    return true;
  }
  if (op == "ReduceMean") {
    std::vector<int64_t> axes = node.Ints("axes");
    if (axes.empty()) return false;  // opset 18 takes the axes as an input tensor
    *out = x;
    for (int64_t axis : axes) {
      if (axis < 0) axis += static_cast<int64_t>(x.size());
      if (axis < 0 || axis >= static_cast<int64_t>(x.size())) return false;
      (*out)[static_cast<size_t>(axis)] = node.Int("keepdims", 1) != 0 ? 1 : 0;
    }
    if (node.Int("keepdims", 1) == 0) out->erase(std::remove(out->begin(), out->end(), 0), out->end());
    return true;
  }
  if (op == "Flatten") {
    int64_t axis = node.Int("axis", 1);
    if (axis < 0) axis += static_cast<int64_t>(x.size());
    if (axis < 0 || axis > static_cast<int64_t>(x.size())) return false;
    int64_t outer = 1;
    int64_t inner = 1;
    for (size_t i = 0; i < x.size(); ++i) {
      int64_t& side = static_cast<int64_t>(i) < axis ? outer : inner;
      side = SatMul(side, x[i]);
    }
    *out = {outer, inner};
    return true;
  }
  if (op == "Gemm") {
    if (in.size() < 2 || in[1] == nullptr || x.size() != 2 || in[1]->size() != 2) return false;
    const int64_t m = node.Int("transA", 0) != 0 ? x[1] : x[0];
    const int64_t n = node.Int("transB", 0) != 0 ? (*in[1])[0] : (*in[1])[1];
    *out = {m, n};
    return true;
  }
  if (op == "MatMul") {
    if (in.size() < 2 || in[1] == nullptr || x.size() < 2 || in[1]->size() != 2) return false;
    *out = x;
    out->back() = (*in[1])[1];
    return true;
  }
  if (op == "Concat") {
    int64_t axis = node.Int("axis", 1);
    if (axis < 0) axis += static_cast<int64_t>(x.size());
    if (axis < 0 || axis >= static_cast<int64_t>(x.size())) return false;
    *out = x;
    for (size_t i = 1; i < in.size(); ++i) {
      if (in[i] == nullptr || in[i]->size() != x.size()) return false;
      (*out)[static_cast<size_t>(axis)] += (*in[i])[static_cast<size_t>(axis)];
    }
    return true;
  }
  if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div" || op == "Max" || op == "Min") {
    for (const Shape* s : in) {
      if (s == nullptr) return false;
    }
    return Broadcast(in, out);
  }
  if (op == "Relu" || op == "LeakyRelu" || op == "Sigmoid" || op == "Tanh" || op == "Clip" || op == "HardSigmoid" ||
      op == "HardSwish" || op == "BatchNormalization" || op == "Cast" || op == "QuantizeLinear" || op == "DequantizeLinear") {
    *out = x;
    return true;
  }
  return false;
}

}  // namespace

int64_t Volume(const Shape& shape) {
  int64_t volume = 1;
  for (int64_t dim : shape) volume = SatMul(volume, std::max<int64_t>(dim, 0));
  return shape.empty() ? 1 : volume;
}

std::map<std::string, Shape> EstimateShapes(const OnnxModel& model, const std::map<std::string, Shape>& inputs) {
  std::map<std::string, Shape> known(inputs.begin(), inputs.end());
  for (const auto& initializer : model.initializers) known[initializer.first] = initializer.second;
  for (const OnnxNode& node : model.nodes) {
    Shape out;
    if (node.outputs.empty() || !Infer(node, known, &out)) continue;
    known[node.outputs[0]] = out;
  }
  return known;
}

int64_t EstimateActivationBytes(const OnnxModel& model, const std::map<std::string, Shape>& inputs) {
  const std::map<std::string, Shape> shapes = EstimateShapes(model, inputs);
  int64_t fallback = 1;
  for (const auto& input : inputs) fallback = std::max(fallback, Volume(input.second));
  // Last node reading each tensor: it is freed after that node.
  std::map<std::string, size_t> lastUse;
  for (size_t i = 0; i < model.nodes.size(); ++i) {
    for (const std::string& name : model.nodes[i].inputs) lastUse[name] = i;
  }
  auto isActivation = [&](const std::string& name) {
    if (name.empty() || model.initializers.count(name) != 0 || inputs.count(name) != 0) return false;
    for (const OnnxValueInfo& output : model.outputs) {
      if (output.name == name) return false;
    }
    return true;
  };
  auto bytesOf = [&](const std::string& name) {
    const auto found = shapes.find(name);
    return SatMul(found != shapes.end() ? Volume(found->second) : fallback, 4);
  };
  int64_t live = 0;
  int64_t peak = 0;
  int64_t scratch = 0;
  for (size_t i = 0; i < model.nodes.size(); ++i) {
    const OnnxNode& node = model.nodes[i];
    for (const std::string& name : node.outputs) {
      if (isActivation(name)) live = std::min(kCap, live + bytesOf(name));
    }
    peak = std::max(peak, live);
    if (node.opType == "Conv" && node.inputs.size() > 1 && !node.outputs.empty()) {
      const auto weights = shapes.find(node.inputs[1]);
      const auto output = shapes.find(node.outputs[0]);
      if (weights != shapes.end() && output != shapes.end() && weights->second.size() > 2 && output->second.size() > 2) {
        // im2col: (C/group * kernel volume) x (output spatial volume) floats.
        Shape spatial(output->second.begin() + 2, output->second.end());
        Shape patch(weights->second.begin() + 1, weights->second.end());
        scratch = std::max(scratch, SatMul(SatMul(Volume(patch), Volume(spatial)), 4));
      }
    }
    const std::set<std::string> read(node.inputs.begin(), node.inputs.end());  // Mul(x, x) frees x once
    for (const std::string& name : read) {
      const auto last = lastUse.find(name);
      if (last != lastUse.end() && last->second == i && isActivation(name)) live = std::max<int64_t>(0, live - bytesOf(name));
    }
  }
  // Each layer's scratch is laid out at a 256-byte boundary in the block: deeper networks need a little more.
  const int64_t layers = SatMul(256, static_cast<int64_t>(model.nodes.size()));
  const int64_t total = std::max<int64_t>(4096, std::min(kCap, peak + scratch + layers));
  return (total + 4095) / 4096 * 4096;
}

}  // namespace dofa_standin
