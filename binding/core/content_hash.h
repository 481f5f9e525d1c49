// A fast 64-bit hash of a byte range (not cryptographic): spreads weights into buckets for weight sharing, where
// identity is then confirmed byte by byte, and tells a cached optimized model that was damaged on disk from the one
// written (lib/engines/optimized-onnx.ts records it). Hex: 16 lowercase digits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

namespace dofa {

inline uint64_t ContentHash(const uint8_t* bytes, size_t size) {
  constexpr uint64_t kMultiplier = 0x9E3779B97F4A7C15ull;
  uint64_t hash = size * kMultiplier;
  size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    uint64_t word = 0;
    std::memcpy(&word, bytes + i, 8);
    hash = (hash ^ word) * kMultiplier;
    hash ^= hash >> 29;
  }
  for (; i < size; ++i) hash = (hash ^ bytes[i]) * kMultiplier;
  return hash ^ (hash >> 32);
}

inline std::string ContentHashHex(const uint8_t* bytes, size_t size) {
  static const char kDigits[] = "0123456789abcdef";
  uint64_t hash = ContentHash(bytes, size);
  std::string hex(16, '0');
  for (int i = 15; i >= 0; --i, hash >>= 4) hex[static_cast<size_t>(i)] = kDigits[hash & 15];
  return hex;
}

}  // namespace dofa
