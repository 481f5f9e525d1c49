#include "ort/onnx_initializers.h"

#include <limits>

#include "core/errors.h"

namespace dofa {
namespace {

// Protobuf wire types (https://protobuf.dev/programming-guides/encoding/).
enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

// Field numbers in onnx.proto.
constexpr uint32_t kModelGraph = 7;
constexpr uint32_t kGraphInitializer = 5;
constexpr uint32_t kTensorDims = 1;
constexpr uint32_t kTensorDataType = 2;
constexpr uint32_t kTensorName = 8;
constexpr uint32_t kTensorRawData = 9;
constexpr uint32_t kTensorDataLocation = 14;
constexpr uint64_t kDataLocationExternal = 1;

// One message's bytes [pos, end) of the whole file; every read is checked against `end`.
class WireReader {
 public:
  WireReader(const uint8_t* base, size_t pos, size_t end, const std::string& file) : base_(base), pos_(pos), end_(end), file_(file) {}

  bool AtEnd() const { return pos_ >= end_; }

  uint64_t Varint() {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= end_) Fail("a varint runs past the end of its message");
      const uint8_t byte = base_[pos_++];
      value |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return value;
    }
    Fail("a varint is longer than 10 bytes");
  }

  // Reads a field key: its number and wire type.
  void Key(uint32_t* field, uint32_t* wireType) {
    const uint64_t key = Varint();
    *field = static_cast<uint32_t>(key >> 3);
    *wireType = static_cast<uint32_t>(key & 7);
    if (*field == 0) Fail("a field number 0");
  }

  // A length-delimited field's bytes: returns where they start, and skips them.
  size_t LengthDelimited(size_t* length) {
    const uint64_t n = Varint();
    if (n > end_ - pos_) Fail("a field of " + std::to_string(n) + " bytes runs past the end of its message");
    *length = static_cast<size_t>(n);
    const size_t start = pos_;
    pos_ += *length;
    return start;
  }

  void Skip(uint32_t wireType) {
    size_t length = 0;
    switch (wireType) {
      case kVarint: Varint(); return;
      case kFixed64: Advance(8); return;
      case kFixed32: Advance(4); return;
      case kLengthDelimited: LengthDelimited(&length); return;
      default: Fail("wire type " + std::to_string(wireType) + " (groups or garbage)");
    }
  }

  [[noreturn]] void Fail(const std::string& what) const {
    throw Error(codes::kModelLoad, "'" + file_ + "' is not a valid ONNX model: " + what + " (at byte " + std::to_string(pos_) + ")");
  }

 private:
  void Advance(size_t n) {
    if (n > end_ - pos_) Fail("a fixed-size field runs past the end of its message");
    pos_ += n;
  }

  const uint8_t* base_;
  size_t pos_;
  size_t end_;
  const std::string& file_;
};

OnnxInitializer ReadTensor(const uint8_t* data, size_t start, size_t length, const std::string& file) {
  WireReader reader(data, start, start + length, file);
  OnnxInitializer tensor;
  bool hasRawData = false;
  bool external = false;
  while (!reader.AtEnd()) {
    uint32_t field = 0;
    uint32_t wireType = 0;
    reader.Key(&field, &wireType);
    if (field == kTensorDims && wireType == kVarint) {
      tensor.dims.push_back(static_cast<int64_t>(reader.Varint()));
    } else if (field == kTensorDims && wireType == kLengthDelimited) {  // packed
      size_t packedLength = 0;
      const size_t packedStart = reader.LengthDelimited(&packedLength);
      WireReader packed(data, packedStart, packedStart + packedLength, file);
      while (!packed.AtEnd()) tensor.dims.push_back(static_cast<int64_t>(packed.Varint()));
    } else if (field == kTensorDataType && wireType == kVarint) {
      tensor.dataType = static_cast<int32_t>(reader.Varint());
    } else if (field == kTensorName && wireType == kLengthDelimited) {
      size_t nameLength = 0;
      const size_t nameStart = reader.LengthDelimited(&nameLength);
      tensor.name.assign(reinterpret_cast<const char*>(data + nameStart), nameLength);
    } else if (field == kTensorRawData && wireType == kLengthDelimited) {
      tensor.rawOffset = reader.LengthDelimited(&tensor.rawBytes);
      hasRawData = true;
    } else if (field == kTensorDataLocation && wireType == kVarint) {
      external = reader.Varint() == kDataLocationExternal;
    } else {
      reader.Skip(wireType);
    }
  }
  const size_t elementBytes = OnnxElementBytes(tensor.dataType);
  if (!hasRawData || external || elementBytes == 0 || tensor.name.empty()) return tensor;
  size_t elements = 1;
  for (const int64_t dim : tensor.dims) {
    if (dim < 0) reader.Fail("initializer '" + tensor.name + "' has a negative dimension");
    if (dim != 0 && elements > std::numeric_limits<size_t>::max() / static_cast<size_t>(dim)) reader.Fail("initializer '" + tensor.name + "' is too large");
    elements *= static_cast<size_t>(dim);
  }
  if (elements > std::numeric_limits<size_t>::max() / elementBytes || elements * elementBytes != tensor.rawBytes) {
    reader.Fail("initializer '" + tensor.name + "' has " + std::to_string(tensor.rawBytes) + " bytes of data for " +
                std::to_string(elements) + " elements of " + std::to_string(elementBytes) + " bytes");
  }
  tensor.shareable = tensor.rawBytes > 0;
  return tensor;
}

// Calls `read(start, length)` for each occurrence of the length-delimited field `wanted` in the reader's message, in
// order, and skips every other field. Returns whether there was any.
template <typename Read>
bool ForEachMessage(WireReader& reader, uint32_t wanted, Read read) {
  bool found = false;
  while (!reader.AtEnd()) {
    uint32_t field = 0;
    uint32_t wireType = 0;
    reader.Key(&field, &wireType);
    if (field == wanted && wireType == kLengthDelimited) {
      size_t length = 0;
      const size_t start = reader.LengthDelimited(&length);
      read(start, length);
      found = true;
    } else {
      reader.Skip(wireType);
    }
  }
  return found;
}

}  // namespace

size_t OnnxElementBytes(int32_t dataType) {
  switch (dataType) {
    case 2: case 3: case 9: return 1;            // uint8, int8, bool
    case 4: case 5: case 10: case 16: return 2;  // uint16, int16, float16, bfloat16
    case 1: case 6: case 12: return 4;           // float, int32, uint32
    case 7: case 11: case 13: return 8;          // int64, double, uint64
    default: return 0;
  }
}

std::vector<OnnxInitializer> ReadOnnxInitializers(const uint8_t* data, size_t size, const std::string& file) {
  WireReader reader(data, 0, size, file);
  std::vector<OnnxInitializer> initializers;
  // (a repeated graph field merges, as protobuf has it: its initializers add up)
  const bool hasGraph = ForEachMessage(reader, kModelGraph, [&](size_t graphStart, size_t graphLength) {
    WireReader graph(data, graphStart, graphStart + graphLength, file);
    ForEachMessage(graph, kGraphInitializer, [&](size_t tensorStart, size_t tensorLength) {
      initializers.push_back(ReadTensor(data, tensorStart, tensorLength, file));
    });
  });
  if (!hasGraph) reader.Fail("no graph");
  return initializers;
}

}  // namespace dofa
