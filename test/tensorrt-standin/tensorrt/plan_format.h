// The stand-in's plan (serialized engine), its own format:
//   "DOFATRTP"  magic (8 bytes)
//   u32         format version (1)
//   u32 x 4     TensorRT major, minor, patch, build of the library that built it
//   u64         body bytes, then the body:
//     device name (string), compute major, minor (i32), integrated (u8), DLA core (i32, -1 = GPU engine),
//     precision (u8: 0 fp32, 1 fp16, 2 int8), calibration id (u64: FNV-1a of the int8 calibration cache, 0 = none),
//     profiling verbosity (i32), activation bytes (i64), engine name (string),
//     I/O tensors (u32 count; each: name, is-input u8, DataType i32, dims, has-profile u8, min/opt/max dims),
//     per-node placement (bytes: 1 = DLA), the ONNX model (bytes)
//   u64         FNV-1a checksum of everything before it
// Strings and byte arrays are a u64 length and the bytes; dims a u32 count and i64s; all little-endian.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tensorrt/device_signature.h"
#include "tensorrt/library_version.h"

namespace dofa_standin {

enum class PlanPrecision : uint8_t { kFP32 = 0, kFP16 = 1, kINT8 = 2 };

struct PlanTensor {
  std::string name;
  bool isInput = false;
  int32_t dataType = 0;  // nvinfer1::DataType
  std::vector<int64_t> dims;
  bool hasProfile = false;
  std::vector<int64_t> min, opt, max;
};

struct PlanContents {
  TrtVersion version;
  DeviceSignature device;
  int32_t dlaCore = -1;
  PlanPrecision precision = PlanPrecision::kFP32;
  uint64_t calibrationId = 0;
  int32_t profilingVerbosity = 0;
  int64_t activationBytes = 0;
  std::string name;
  std::vector<PlanTensor> tensors;
  std::vector<uint8_t> onDla;
  std::vector<uint8_t> onnx;
};

std::vector<uint8_t> SerializePlan(const PlanContents& plan);

// Checks and reads a plan for the library version `expected`. On failure `error` is what TensorRT logs for the same
// problem (a foreign or truncated blob fails a serialization assertion; another version or build is "not compatible
// with this version of TensorRT").
bool DeserializePlan(const void* data, size_t size, const TrtVersion& expected, PlanContents* plan, std::string* error);

}  // namespace dofa_standin
