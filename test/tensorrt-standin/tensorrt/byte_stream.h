// Little-endian byte writer and a bounds-checked reader for the stand-in's own binary formats (plans, timing
// caches), and the FNV-1a checksum they end with. A reader that runs past its end fails and stays failed, so a
// truncated or corrupt blob is an error, never an out-of-bounds read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace dofa_standin {

inline uint64_t Fnv1a(const void* data, size_t size, uint64_t hash = 14695981039346656037ULL) {
  const auto* bytes = static_cast<const uint8_t*>(data);
  for (size_t i = 0; i < size; ++i) hash = (hash ^ bytes[i]) * 1099511628211ULL;
  return hash;
}

class ByteWriter {
 public:
  template <typename T>
  void Put(T value) {
    const size_t at = bytes_.size();
    bytes_.resize(at + sizeof(T));
    std::memcpy(bytes_.data() + at, &value, sizeof(T));
  }
  void PutBytes(const void* data, size_t size) {
    Put<uint64_t>(size);
    const auto* begin = static_cast<const uint8_t*>(data);
    bytes_.insert(bytes_.end(), begin, begin + size);
  }
  void PutString(const std::string& text) { PutBytes(text.data(), text.size()); }
  void PutDims(const std::vector<int64_t>& dims) {
    Put<uint32_t>(static_cast<uint32_t>(dims.size()));
    for (int64_t d : dims) Put<int64_t>(d);
  }
  // Appends the FNV-1a checksum of everything written so far.
  void Seal() { Put<uint64_t>(Fnv1a(bytes_.data(), bytes_.size())); }
  std::vector<uint8_t>& bytes() { return bytes_; }

 private:
  std::vector<uint8_t> bytes_;
};

class ByteReader {
 public:
  ByteReader(const void* data, size_t size) : at_(static_cast<const uint8_t*>(data)), end_(at_ + size) {}

  template <typename T>
  bool Get(T* value) {
    if (!ok_ || static_cast<size_t>(end_ - at_) < sizeof(T)) return ok_ = false;
    std::memcpy(value, at_, sizeof(T));
    at_ += sizeof(T);
    return true;
  }
  bool GetBytes(std::vector<uint8_t>* out, uint64_t limit) {
    uint64_t size = 0;
    if (!Get(&size) || size > limit || size > static_cast<uint64_t>(end_ - at_)) return ok_ = false;
    out->assign(at_, at_ + size);
    at_ += size;
    return true;
  }
  bool GetString(std::string* out, uint64_t limit = 1 << 20) {
    std::vector<uint8_t> bytes;
    if (!GetBytes(&bytes, limit)) return false;
    out->assign(bytes.begin(), bytes.end());
    return true;
  }
  bool GetDims(std::vector<int64_t>* dims) {
    uint32_t count = 0;
    if (!Get(&count) || count > 8) return ok_ = false;  // TensorRT's Dims hold at most 8
    dims->resize(count);
    for (int64_t& d : *dims) {
      if (!Get(&d)) return false;
    }
    return true;
  }
  bool ok() const { return ok_; }
  size_t remaining() const { return static_cast<size_t>(end_ - at_); }

 private:
  const uint8_t* at_;
  const uint8_t* end_;
  bool ok_ = true;
};

// True when the last 8 bytes of [data, data + size) are the FNV-1a checksum of the bytes before them.
inline bool ChecksumHolds(const void* data, size_t size) {
  if (size < 8) return false;
  uint64_t stored = 0;
  std::memcpy(&stored, static_cast<const uint8_t*>(data) + size - 8, 8);
  return stored == Fnv1a(data, size - 8);
}

}  // namespace dofa_standin
