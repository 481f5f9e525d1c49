// Whole-file reads and atomic writes for the TensorRT side: plans (read from the offset lib/ gives, after the
// engine-file header it owns), timing caches and int8 calibration caches. Independent of TensorRT.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace dofa {

// The bytes of `path` from `offset` on; false when it cannot be read or is shorter than `offset`.
bool ReadFileFrom(const std::string& path, uint64_t offset, std::vector<char>* bytes);
bool ReadWholeFile(const std::string& path, std::vector<char>* bytes);

// Writes `bytes` to `path` through a temporary file and a rename, so readers never see half a file.
void WriteFileAtomically(const std::string& path, const void* bytes, size_t size);

}  // namespace dofa
