#include "tensorrt/onnx_reader.h"

#include <cstring>
#include <set>

namespace dofa_standin {
namespace {

// One protobuf message: a bounds-checked cursor over [begin, end).
class Wire {
 public:
  Wire(const uint8_t* begin, const uint8_t* end, const char* what) : at_(begin), end_(end), what_(what) {}

  bool Done() const { return at_ >= end_; }

  // Reads the next field's number and wire type. Groups (3, 4) and unknown wire types are malformed for ONNX.
  bool Key(uint32_t* field, uint32_t* type) {
    uint64_t key = 0;
    if (!Varint(&key)) return false;
    *field = static_cast<uint32_t>(key >> 3);
    *type = static_cast<uint32_t>(key & 7);
    if (*field == 0 || (*type != 0 && *type != 1 && *type != 2 && *type != 5)) return Fail("a bad field key");
    return true;
  }

  bool Varint(uint64_t* value) {
    uint64_t result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (at_ >= end_) return Fail("a truncated varint");
      const uint8_t byte = *at_++;
      result |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) {
        *value = result;
        return true;
      }
    }
    return Fail("a varint longer than 10 bytes");
  }

  // A length-delimited field's bytes.
  bool Bytes(const uint8_t** begin, const uint8_t** end) {
    uint64_t length = 0;
    if (!Varint(&length)) return false;
    if (length > static_cast<uint64_t>(end_ - at_)) return Fail("a length past the end of its message");
    *begin = at_;
    at_ += length;
    *end = at_;
    return true;
  }

  bool String(std::string* out) {
    const uint8_t* begin = nullptr;
    const uint8_t* end = nullptr;
    if (!Bytes(&begin, &end)) return false;
    out->assign(reinterpret_cast<const char*>(begin), static_cast<size_t>(end - begin));
    return true;
  }

  bool Fixed32(uint32_t* value) {
    if (end_ - at_ < 4) return Fail("a truncated 32-bit field");
    std::memcpy(value, at_, 4);
    at_ += 4;
    return true;
  }

  bool Skip(uint32_t type) {
    uint64_t ignored = 0;
    const uint8_t* begin = nullptr;
    const uint8_t* end = nullptr;
    switch (type) {
      case 0: return Varint(&ignored);
      case 1:
        if (end_ - at_ < 8) return Fail("a truncated 64-bit field");
        at_ += 8;
        return true;
      case 2: return Bytes(&begin, &end);
      case 5:
        if (end_ - at_ < 4) return Fail("a truncated 32-bit field");
        at_ += 4;
        return true;
      default: return Fail("an unknown wire type");
    }
  }

  // A repeated int64: packed (type 2) or one value (type 0).
  bool Int64s(uint32_t type, std::vector<int64_t>* out) {
    uint64_t value = 0;
    if (type == 0) {
      if (!Varint(&value)) return false;
      out->push_back(static_cast<int64_t>(value));
      return true;
    }
    if (type != 2) return Fail("a repeated integer with the wrong wire type");
    const uint8_t* begin = nullptr;
    const uint8_t* end = nullptr;
    if (!Bytes(&begin, &end)) return false;
    Wire packed(begin, end, what_);
    while (!packed.Done()) {
      if (!packed.Varint(&value)) return Fail("a truncated packed integer");
      out->push_back(static_cast<int64_t>(value));
    }
    return true;
  }

  bool Expect(uint32_t type, uint32_t wanted) { return type == wanted || Fail("a field with the wrong wire type"); }
  // Keeps the innermost problem; each enclosing message adds its name ("a truncated varint in NodeProto in ...").
  bool Fail(const std::string& problem) {
    if (error_.empty()) error_ = problem + " in " + what_;
    at_ = end_;
    return false;
  }
  const std::string& error() const { return error_; }

 private:
  const uint8_t* at_;
  const uint8_t* end_;
  const char* what_;
  std::string error_;
};

// Each reader consumes one message; on failure *error says why.
using Reader = bool (*)(Wire&, uint32_t field, uint32_t type, void* out);

bool ReadMessage(const uint8_t* begin, const uint8_t* end, const char* what, Reader reader, void* out, std::string* error) {
  Wire wire(begin, end, what);
  while (!wire.Done()) {
    uint32_t field = 0;
    uint32_t type = 0;
    if (!wire.Key(&field, &type) || !reader(wire, field, type, out)) {
      if (error->empty()) *error = wire.error().empty() ? std::string("a malformed field in ") + what : wire.error();
      return false;
    }
  }
  return true;
}

// A nested message field: reads it with `reader` into `out`.
bool Nested(Wire& wire, uint32_t type, const char* what, Reader reader, void* out) {
  const uint8_t* begin = nullptr;
  const uint8_t* end = nullptr;
  if (!wire.Expect(type, 2) || !wire.Bytes(&begin, &end)) return false;
  std::string error;
  return ReadMessage(begin, end, what, reader, out, &error) || wire.Fail(error);
}

bool ReadDim(Wire& w, uint32_t field, uint32_t type, void* out) {
  auto* dim = static_cast<OnnxDim*>(out);
  uint64_t value = 0;
  if (field == 1) {
    if (!w.Expect(type, 0) || !w.Varint(&value)) return false;
    dim->value = static_cast<int64_t>(value);
    return dim->value >= 0 || w.Fail("a negative dim_value");
  }
  if (field == 2) return w.Expect(type, 2) && w.String(&dim->param);
  return w.Skip(type);
}

bool ReadShape(Wire& w, uint32_t field, uint32_t type, void* out) {
  if (field != 1) return w.Skip(type);
  auto* dims = static_cast<std::vector<OnnxDim>*>(out);
  dims->emplace_back();
  return Nested(w, type, "TensorShapeProto.Dimension", ReadDim, &dims->back());
}

bool ReadTensorType(Wire& w, uint32_t field, uint32_t type, void* out) {
  auto* info = static_cast<OnnxValueInfo*>(out);
  uint64_t value = 0;
  if (field == 1) {
    if (!w.Expect(type, 0) || !w.Varint(&value)) return false;
    info->elemType = static_cast<int32_t>(value);
    return true;
  }
  if (field == 2) return Nested(w, type, "TensorShapeProto", ReadShape, &info->dims);
  return w.Skip(type);
}

bool ReadType(Wire& w, uint32_t field, uint32_t type, void* out) {
  if (field == 1) return Nested(w, type, "TypeProto.Tensor", ReadTensorType, out);
  return w.Skip(type);
}

bool ReadValueInfo(Wire& w, uint32_t field, uint32_t type, void* out) {
  auto* info = static_cast<OnnxValueInfo*>(out);
  if (field == 1) return w.Expect(type, 2) && w.String(&info->name);
  if (field == 2) return Nested(w, type, "TypeProto", ReadType, out);
  return w.Skip(type);
}

bool ReadAttribute(Wire& w, uint32_t field, uint32_t type, void* out) {
  auto* attribute = static_cast<OnnxAttribute*>(out);
  uint64_t value = 0;
  uint32_t bits = 0;
  switch (field) {
    case 1: return w.Expect(type, 2) && w.String(&attribute->name);
    case 2:
      if (!w.Expect(type, 5) || !w.Fixed32(&bits)) return false;
      std::memcpy(&attribute->f, &bits, 4);
      attribute->hasFloat = true;
      return true;
    case 3:
      if (!w.Expect(type, 0) || !w.Varint(&value)) return false;
      attribute->i = static_cast<int64_t>(value);
      attribute->hasInt = true;
      return true;
    case 8: return w.Int64s(type, &attribute->ints);
    default: return w.Skip(type);
  }
}

bool ReadNode(Wire& w, uint32_t field, uint32_t type, void* out) {
  auto* node = static_cast<OnnxNode*>(out);
  switch (field) {
    case 1: node->inputs.emplace_back(); return w.Expect(type, 2) && w.String(&node->inputs.back());
    case 2: node->outputs.emplace_back(); return w.Expect(type, 2) && w.String(&node->outputs.back());
    case 3: return w.Expect(type, 2) && w.String(&node->name);
    case 4: return w.Expect(type, 2) && w.String(&node->opType);
    case 5: node->attributes.emplace_back(); return Nested(w, type, "AttributeProto", ReadAttribute, &node->attributes.back());
    case 7: return w.Expect(type, 2) && w.String(&node->domain);
    default: return w.Skip(type);
  }
}

struct Initializer {
  std::string name;
  std::vector<int64_t> dims;
};

bool ReadInitializer(Wire& w, uint32_t field, uint32_t type, void* out) {
  auto* initializer = static_cast<Initializer*>(out);
  if (field == 1) return w.Int64s(type, &initializer->dims);
  if (field == 8) return w.Expect(type, 2) && w.String(&initializer->name);
  return w.Skip(type);
}

struct Graph {
  OnnxModel* model;
  std::vector<OnnxValueInfo> declaredInputs;
  bool seen = false;
};

bool ReadGraph(Wire& w, uint32_t field, uint32_t type, void* out) {
  auto* graph = static_cast<Graph*>(out);
  OnnxModel& model = *graph->model;
  Initializer initializer;
  switch (field) {
    case 1: model.nodes.emplace_back(); return Nested(w, type, "NodeProto", ReadNode, &model.nodes.back());
    case 2: return w.Expect(type, 2) && w.String(&model.graphName);
    case 5:
      if (!Nested(w, type, "TensorProto", ReadInitializer, &initializer)) return false;
      model.initializers[initializer.name] = initializer.dims;
      return true;
    case 11: graph->declaredInputs.emplace_back(); return Nested(w, type, "ValueInfoProto", ReadValueInfo, &graph->declaredInputs.back());
    case 12: model.outputs.emplace_back(); return Nested(w, type, "ValueInfoProto", ReadValueInfo, &model.outputs.back());
    default: return w.Skip(type);
  }
}

bool ReadModel(Wire& w, uint32_t field, uint32_t type, void* out) {
  auto* graph = static_cast<Graph*>(out);
  uint64_t value = 0;
  if (field == 1) {
    if (!w.Expect(type, 0) || !w.Varint(&value)) return false;
    graph->model->irVersion = static_cast<int64_t>(value);
    return true;
  }
  if (field == 7) {
    if (graph->seen) return w.Fail("a second graph");
    graph->seen = true;
    return Nested(w, type, "GraphProto", ReadGraph, graph);
  }
  return w.Skip(type);
}

// The graph-level checks a parser makes before importing any node.
bool CheckGraph(const OnnxModel& model, std::string* error) {
  if (model.nodes.empty()) return (*error = "the graph has no nodes", false);
  if (model.inputs.empty()) return (*error = "the graph has no inputs", false);
  if (model.outputs.empty()) return (*error = "the graph has no outputs", false);
  std::set<std::string> defined;
  for (const OnnxValueInfo& input : model.inputs) {
    if (input.name.empty()) return (*error = "a graph input has no name", false);
    defined.insert(input.name);
  }
  for (const auto& initializer : model.initializers) defined.insert(initializer.first);
  for (size_t i = 0; i < model.nodes.size(); ++i) {
    const OnnxNode& node = model.nodes[i];
    if (node.opType.empty()) return (*error = "node " + std::to_string(i) + " has no op_type", false);
    if (node.outputs.empty()) return (*error = "node " + std::to_string(i) + " (" + node.opType + ") has no outputs", false);
    for (const std::string& input : node.inputs) {
      if (!input.empty() && defined.count(input) == 0) {
        return (*error = "node " + std::to_string(i) + " (" + node.opType + ") reads '" + input +
                         "', which no graph input, initializer or earlier node defines", false);
      }
    }
    for (const std::string& output : node.outputs) defined.insert(output);
  }
  for (const OnnxValueInfo& output : model.outputs) {
    if (defined.count(output.name) == 0) return (*error = "graph output '" + output.name + "' is never produced", false);
  }
  return true;
}

}  // namespace

const OnnxAttribute* OnnxNode::Attribute(const std::string& attribute) const {
  for (const OnnxAttribute& a : attributes) {
    if (a.name == attribute) return &a;
  }
  return nullptr;
}

std::vector<int64_t> OnnxNode::Ints(const std::string& attribute) const {
  const OnnxAttribute* a = Attribute(attribute);
  return a != nullptr ? a->ints : std::vector<int64_t>{};
}

int64_t OnnxNode::Int(const std::string& attribute, int64_t fallback) const {
  const OnnxAttribute* a = Attribute(attribute);
  return a != nullptr && a->hasInt ? a->i : fallback;
}

bool ReadOnnxModel(const void* data, size_t size, OnnxModel* model, std::string* error) {
  *model = OnnxModel();
  error->clear();
  if (data == nullptr || size == 0) return (*error = "no model bytes", false);
  const auto* begin = static_cast<const uint8_t*>(data);
  Graph graph{model, {}, false};
  if (!ReadMessage(begin, begin + size, "ModelProto", ReadModel, &graph, error)) {
    *error = "the ONNX protobuf is malformed: " + *error;
    return false;
  }
  if (!graph.seen) return (*error = "the model has no graph (ModelProto.graph is missing)", false);
  for (OnnxValueInfo& input : graph.declaredInputs) {
    if (model->initializers.count(input.name) == 0) model->inputs.push_back(std::move(input));
  }
  return CheckGraph(*model, error);
}

}  // namespace dofa_standin
