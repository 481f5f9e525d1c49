#include "tensorrt/plan_format.h"

#include <cstring>

#include "tensorrt/byte_stream.h"

namespace dofa_standin {
namespace {

constexpr char kMagic[8] = {'D', 'O', 'F', 'A', 'T', 'R', 'T', 'P'};
constexpr uint32_t kFormat = 1;
constexpr size_t kHeader = 8 + 4 + 16 + 8;

std::string Assertion(const std::string& condition) {
  return "1: [stand-in runtime.cpp::parsePlan] Error Code 1: Serialization (Serialization assertion " + condition + " failed.)";
}

bool ReadBody(ByteReader& in, PlanContents* plan) {
  uint8_t integrated = 0;
  uint8_t precision = 0;
  uint32_t tensors = 0;
  in.GetString(&plan->device.name);
  in.Get(&plan->device.major);
  in.Get(&plan->device.minor);
  in.Get(&integrated);
  in.Get(&plan->dlaCore);
  in.Get(&precision);
  in.Get(&plan->calibrationId);
  in.Get(&plan->profilingVerbosity);
  in.Get(&plan->activationBytes);
  in.GetString(&plan->name);
  if (!in.Get(&tensors) || tensors > 64 || precision > 2) return false;
  plan->device.integrated = integrated != 0;
  plan->precision = static_cast<PlanPrecision>(precision);
  plan->tensors.resize(tensors);
  for (PlanTensor& t : plan->tensors) {
    uint8_t isInput = 0;
    uint8_t hasProfile = 0;
    in.GetString(&t.name);
    in.Get(&isInput);
    in.Get(&t.dataType);
    in.GetDims(&t.dims);
    in.Get(&hasProfile);
    in.GetDims(&t.min);
    in.GetDims(&t.opt);
    in.GetDims(&t.max);
    t.isInput = isInput != 0;
    t.hasProfile = hasProfile != 0;
  }
  in.GetBytes(&plan->onDla, 1 << 24);
  in.GetBytes(&plan->onnx, uint64_t{1} << 34);
  return in.ok() && in.remaining() == 0 && plan->activationBytes > 0;
}

}  // namespace

std::vector<uint8_t> SerializePlan(const PlanContents& plan) {
  ByteWriter body;
  body.PutString(plan.device.name);
  body.Put<int32_t>(plan.device.major);
  body.Put<int32_t>(plan.device.minor);
  body.Put<uint8_t>(plan.device.integrated ? 1 : 0);
  body.Put<int32_t>(plan.dlaCore);
  body.Put<uint8_t>(static_cast<uint8_t>(plan.precision));
  body.Put<uint64_t>(plan.calibrationId);
  body.Put<int32_t>(plan.profilingVerbosity);
  body.Put<int64_t>(plan.activationBytes);
  body.PutString(plan.name);
  body.Put<uint32_t>(static_cast<uint32_t>(plan.tensors.size()));
  for (const PlanTensor& t : plan.tensors) {
    body.PutString(t.name);
    body.Put<uint8_t>(t.isInput ? 1 : 0);
    body.Put<int32_t>(t.dataType);
    body.PutDims(t.dims);
    body.Put<uint8_t>(t.hasProfile ? 1 : 0);
    body.PutDims(t.min);
    body.PutDims(t.opt);
    body.PutDims(t.max);
  }
  body.PutBytes(plan.onDla.data(), plan.onDla.size());
  body.PutBytes(plan.onnx.data(), plan.onnx.size());

  ByteWriter out;
  for (char c : kMagic) out.Put<char>(c);
  out.Put<uint32_t>(kFormat);
  out.Put<uint32_t>(static_cast<uint32_t>(plan.version.major));
  out.Put<uint32_t>(static_cast<uint32_t>(plan.version.minor));
  out.Put<uint32_t>(static_cast<uint32_t>(plan.version.patch));
  out.Put<uint32_t>(static_cast<uint32_t>(plan.version.build));
  out.Put<uint64_t>(body.bytes().size());
  out.bytes().insert(out.bytes().end(), body.bytes().begin(), body.bytes().end());
  out.Seal();
  return std::move(out.bytes());
}

bool DeserializePlan(const void* data, size_t size, const TrtVersion& expected, PlanContents* plan, std::string* error) {
  *plan = PlanContents();
  if (data == nullptr || size == 0) return (*error = Assertion("blob != nullptr && size > 0"), false);
  if (size < kHeader + 8 || std::memcmp(data, kMagic, sizeof kMagic) != 0) {
    return (*error = Assertion("plan->header.magicTag == rt::kPLAN_MAGIC_TAG"), false);
  }
  ByteReader in(data, size);
  char magic[8];
  uint32_t format = 0;
  uint32_t version[4] = {0, 0, 0, 0};
  uint64_t bodyBytes = 0;
  for (char& c : magic) in.Get(&c);
  in.Get(&format);
  for (uint32_t& part : version) in.Get(&part);
  in.Get(&bodyBytes);
  if (format != kFormat) return (*error = Assertion("plan->header.formatVersion == " + std::to_string(kFormat)), false);
  plan->version = TrtVersion{static_cast<int32_t>(version[0]), static_cast<int32_t>(version[1]), static_cast<int32_t>(version[2]),
                             static_cast<int32_t>(version[3])};
  if (plan->version != expected) {
    *error = "6: The engine plan file is not compatible with this version of TensorRT, expecting library version " +
             expected.Text() + " got " + plan->version.Text() + ", please rebuild.";
    return false;
  }
  if (bodyBytes != size - kHeader - 8) return (*error = Assertion("size == header.size + sizeof(checksum)"), false);
  if (!ChecksumHolds(data, size)) return (*error = Assertion("checksum == computeChecksum(plan)"), false);
  ByteReader body(static_cast<const uint8_t*>(data) + kHeader, static_cast<size_t>(bodyBytes));
  if (!ReadBody(body, plan)) return (*error = Assertion("engine body is well-formed"), false);
  return true;
}

}  // namespace dofa_standin
