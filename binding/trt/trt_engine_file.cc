#include "trt/trt_engine_file.h"

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <unistd.h>

#include "core/errors.h"

namespace dofa {
namespace {

// SHA-256 (FIPS 180-4).
class Sha256 {
 public:
  void Update(const uint8_t* data, size_t size) {
    for (size_t i = 0; i < size; ++i) {
      block_[blockSize_++] = data[i];
      if (blockSize_ == 64) {
        Compress();
        blockSize_ = 0;
      }
    }
    bits_ += static_cast<uint64_t>(size) * 8;
  }

  std::string HexDigest() {
    const uint64_t bits = bits_;
    const uint8_t one = 0x80;
    Update(&one, 1);
    const uint8_t zero = 0;
    while (blockSize_ != 56) Update(&zero, 1);
    uint8_t length[8];
    for (int i = 0; i < 8; ++i) length[i] = static_cast<uint8_t>(bits >> (56 - 8 * i));
    Update(length, 8);
    static const char* kHex = "0123456789abcdef";
    std::string hex;
    for (uint32_t word : state_) {
      for (int shift = 28; shift >= 0; shift -= 4) hex.push_back(kHex[(word >> shift) & 0xf]);
    }
    return hex;
  }

 private:
  static uint32_t Rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

  void Compress() {
    static constexpr uint32_t k[64] = {
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};
    uint32_t w[64];
    for (int i = 0; i < 16; ++i) {
      w[i] = (static_cast<uint32_t>(block_[4 * i]) << 24) | (static_cast<uint32_t>(block_[4 * i + 1]) << 16) |
             (static_cast<uint32_t>(block_[4 * i + 2]) << 8) | static_cast<uint32_t>(block_[4 * i + 3]);
    }
    for (int i = 16; i < 64; ++i) {
      const uint32_t s0 = Rotr(w[i - 15], 7) ^ Rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
      const uint32_t s1 = Rotr(w[i - 2], 17) ^ Rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = state_[0], b = state_[1], c = state_[2], d = state_[3];
    uint32_t e = state_[4], f = state_[5], g = state_[6], h = state_[7];
    for (int i = 0; i < 64; ++i) {
      const uint32_t s1 = Rotr(e, 6) ^ Rotr(e, 11) ^ Rotr(e, 25);
      const uint32_t ch = (e & f) ^ (~e & g);
      const uint32_t t1 = h + s1 + ch + k[i] + w[i];
      const uint32_t s0 = Rotr(a, 2) ^ Rotr(a, 13) ^ Rotr(a, 22);
      const uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
      const uint32_t t2 = s0 + maj;
      h = g;
      g = f;
      f = e;
      e = d + t1;
      d = c;
      c = b;
      b = a;
      a = t1 + t2;
    }
    state_[0] += a;
    state_[1] += b;
    state_[2] += c;
    state_[3] += d;
    state_[4] += e;
    state_[5] += f;
    state_[6] += g;
    state_[7] += h;
  }

  std::array<uint32_t, 8> state_ = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  uint8_t block_[64] = {};
  size_t blockSize_ = 0;
  uint64_t bits_ = 0;
};

// Our header values are hex digests, version strings and device names: escape anyway, the format is JSON.
std::string JsonString(const std::string& value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buffer[8];
      std::snprintf(buffer, sizeof(buffer), "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
      out += buffer;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace

std::string Sha256Hex(const void* data, size_t size) {
  Sha256 hash;
  hash.Update(static_cast<const uint8_t*>(data), size);
  return hash.HexDigest();
}

std::vector<char> EncodeEngineFile(EngineHeader header, const void* plan, size_t planSize) {
  header.planBytes = static_cast<int64_t>(planSize);
  header.planSha256 = Sha256Hex(plan, planSize);
  const std::string json = "{\"format\":" + std::to_string(header.format) +
                           ",\"fingerprint\":" + JsonString(header.fingerprint) +
                           ",\"tensorrt\":" + JsonString(header.tensorrt) +
                           ",\"tensorrtEncoded\":" + std::to_string(header.tensorrtEncoded) +
                           ",\"device\":" + JsonString(header.device) + ",\"dlaCore\":" + std::to_string(header.dlaCore) +
                           ",\"precision\":" + JsonString(header.precision) +
                           ",\"planBytes\":" + std::to_string(header.planBytes) +
                           ",\"planSha256\":" + JsonString(header.planSha256) + "}";
  std::vector<char> bytes(sizeof(kEngineMagic) + 4 + json.size() + planSize);
  std::memcpy(bytes.data(), kEngineMagic, sizeof(kEngineMagic));
  const uint32_t length = static_cast<uint32_t>(json.size());
  for (int i = 0; i < 4; ++i) bytes[sizeof(kEngineMagic) + i] = static_cast<char>((length >> (8 * i)) & 0xff);
  std::memcpy(bytes.data() + sizeof(kEngineMagic) + 4, json.data(), json.size());
  if (planSize > 0) std::memcpy(bytes.data() + sizeof(kEngineMagic) + 4 + json.size(), plan, planSize);
  return bytes;
}

bool ReadFileFrom(const std::string& path, uint64_t offset, std::vector<char>* bytes) {
  std::ifstream file(path, std::ios::binary | std::ios::ate);
  if (!file) return false;
  const std::streamoff size = file.tellg();
  if (size < 0 || offset > static_cast<uint64_t>(size)) return false;
  bytes->resize(static_cast<size_t>(static_cast<uint64_t>(size) - offset));
  file.seekg(static_cast<std::streamoff>(offset));
  return bytes->empty() || static_cast<bool>(file.read(bytes->data(), static_cast<std::streamsize>(bytes->size())));
}

bool ReadWholeFile(const std::string& path, std::vector<char>* bytes) { return ReadFileFrom(path, 0, bytes); }

void WriteFileAtomically(const std::string& path, const void* bytes, size_t size) {
  const std::string temporary = path + ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
    if (!file || !file.write(static_cast<const char*>(bytes), static_cast<std::streamsize>(size)) || !file.flush()) {
      std::remove(temporary.c_str());
      throw Error(codes::kInvalidArgument, "cannot write '" + temporary + "': " + std::strerror(errno));
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    const int error = errno;
    std::remove(temporary.c_str());
    throw Error(codes::kInvalidArgument, "cannot rename '" + temporary + "' to '" + path + "': " + std::strerror(error));
  }
}

}  // namespace dofa
