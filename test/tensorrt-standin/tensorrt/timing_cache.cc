#include "tensorrt/timing_cache.h"

#include <cstring>

#include "tensorrt/byte_stream.h"
#include "tensorrt/host_memory.h"
#include "tensorrt/process_logger.h"

namespace dofa_standin {
namespace {

constexpr char kMagic[8] = {'D', 'O', 'F', 'A', 'T', 'C', 'H', 'E'};
constexpr uint32_t kFormat = 1;

const StandinTimingCache* Own(nvinfer1::ITimingCache const& cache) { return dynamic_cast<const StandinTimingCache*>(&cache); }

}  // namespace

StandinTimingCache::StandinTimingCache(DeviceSignature device, TrtVersion version)
    : device_(std::move(device)), version_(version) {
  mImpl = this;
}

StandinTimingCache* StandinTimingCache::Create(void const* blob, size_t size) {
  DeviceSignature here;
  std::string error;
  if (!CurrentDevice(&here, &error)) {
    LogError("1: [timingCache.cpp::createTimingCache] Error Code 1: Cuda Runtime (" + error + ")");
    return nullptr;
  }
  if (blob == nullptr || size == 0) return new StandinTimingCache(here, LibraryVersion());
  const std::string assertion = "1: [timingCache.cpp::deserialize] Error Code 1: Serialization (Serialization assertion ";
  if (size < 8 + 4 + 16 + 8 || std::memcmp(blob, kMagic, sizeof kMagic) != 0 || !ChecksumHolds(blob, size)) {
    LogError(assertion + "the blob is a timing cache of this TensorRT (magic and checksum) failed.)");
    return nullptr;
  }
  ByteReader in(static_cast<const uint8_t*>(blob) + sizeof kMagic, size - sizeof kMagic - 8);
  uint32_t format = 0;
  uint32_t v[4] = {0, 0, 0, 0};
  in.Get(&format);
  for (uint32_t& part : v) in.Get(&part);
  const TrtVersion version{static_cast<int32_t>(v[0]), static_cast<int32_t>(v[1]), static_cast<int32_t>(v[2]), static_cast<int32_t>(v[3])};
  if (format != kFormat || version != LibraryVersion()) {
    LogError(assertion + "timing cache version " + version.Text() + " == " + LibraryVersion().Text() + " failed.)");
    return nullptr;
  }
  DeviceSignature device;
  uint8_t integrated = 0;
  uint32_t count = 0;
  in.GetString(&device.name);
  in.Get(&device.major);
  in.Get(&device.minor);
  in.Get(&integrated);
  in.Get(&count);
  device.integrated = integrated != 0;
  auto cache = std::make_unique<StandinTimingCache>(device, version);
  for (uint32_t i = 0; i < count && in.ok(); ++i) {
    std::string key;
    std::string value;
    if (in.GetString(&key) && in.GetString(&value)) cache->entries_[key] = value;
  }
  if (!in.ok() || in.remaining() != 0) {
    LogError(assertion + "the timing cache's entries are well-formed failed.)");
    return nullptr;
  }
  return cache.release();
}

nvinfer1::IHostMemory* StandinTimingCache::serialize() const noexcept {
  if (InjectedFault("serialize")) return nullptr;
  ByteWriter out;
  for (char c : kMagic) out.Put<char>(c);
  out.Put<uint32_t>(kFormat);
  for (int32_t part : {version_.major, version_.minor, version_.patch, version_.build}) out.Put<uint32_t>(static_cast<uint32_t>(part));
  out.PutString(device_.name);
  out.Put<int32_t>(device_.major);
  out.Put<int32_t>(device_.minor);
  out.Put<uint8_t>(device_.integrated ? 1 : 0);
  out.Put<uint32_t>(static_cast<uint32_t>(entries_.size()));
  for (const auto& entry : entries_) {
    out.PutString(entry.first);
    out.PutString(entry.second);
  }
  out.Seal();
  return new StandinHostMemory(std::move(out.bytes()));
}

bool StandinTimingCache::combine(nvinfer1::ITimingCache const& inputCache, bool ignoreMismatch) noexcept {
  const StandinTimingCache* other = Own(inputCache);
  if (other == nullptr) {
    LogError("3: [timingCache.cpp::combine] Error Code 3: API Usage Error (the input cache was not created by this TensorRT)");
    return false;
  }
  if (other->device_ != device_ && !ignoreMismatch) {
    LogError("3: [timingCache.cpp::combine] Error Code 3: API Usage Error (the input cache was created on '" + other->device_.name +
             "' (compute " + other->device_.ComputeText() + "), this one on '" + device_.name + "' (compute " + device_.ComputeText() + "))");
    return false;
  }
  for (const auto& entry : other->entries_) entries_.insert(entry);
  return true;
}

bool StandinTimingCache::reset() noexcept {
  entries_.clear();
  return true;
}

bool StandinTimingCache::Record(const std::string& key, const std::string& tactic) {
  return !entries_.emplace(key, tactic).second;
}

}  // namespace dofa_standin
