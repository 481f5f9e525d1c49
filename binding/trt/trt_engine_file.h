// The engine cache's file format: a small JSON header in front of the serialized TensorRT plan, so that an
// engine is never deserialized blindly. Independent of TensorRT (lib/engine-cache.ts reads and writes the
// same format, and tests it without TensorRT).
//
//   bytes 0..7   "DOFATRT1"
//   bytes 8..11  header length N, uint32 little-endian
//   next N bytes flat JSON object, UTF-8: {"format":1,"fingerprint":"<hex>","tensorrt":"8.5.2.2",
//                "tensorrtEncoded":8502,"device":"gpu","dlaCore":-1,"precision":"fp16","planBytes":123,
//                "planSha256":"<hex>"}  (string and integer values only, no nesting)
//   the rest     the plan, planBytes long, whose SHA-256 is planSha256
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace dofa {

inline constexpr char kEngineMagic[8] = {'D', 'O', 'F', 'A', 'T', 'R', 'T', '1'};
inline constexpr int kEngineFormat = 1;

struct EngineHeader {
  int format = kEngineFormat;
  std::string fingerprint;  // computed by lib/engine-cache.ts; opaque here
  std::string tensorrt;     // "8.5.2.2"
  int64_t tensorrtEncoded = 0;  // NV_TENSORRT_VERSION encoding of the library that built it
  std::string device;       // gpu | dla0 | dla1
  int64_t dlaCore = -1;
  std::string precision;    // fp16 | int8 | fp32
  int64_t planBytes = 0;
  std::string planSha256;
};

std::string Sha256Hex(const void* data, size_t size);

// Header JSON + magic + plan, ready to write.
std::vector<char> EncodeEngineFile(EngineHeader header, const void* plan, size_t planSize);


// Writes `bytes` to `path` through a temporary file and a rename, so readers never see half a file.
void WriteFileAtomically(const std::string& path, const void* bytes, size_t size);
// The bytes of `path` from `offset` on; false when it cannot be read or is shorter than `offset`.
bool ReadFileFrom(const std::string& path, uint64_t offset, std::vector<char>* bytes);
bool ReadWholeFile(const std::string& path, std::vector<char>* bytes);

}  // namespace dofa
