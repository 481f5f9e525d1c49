// The live objects behind CUDA's opaque handles (streams, events, graphs, executable graphs). A handle is the
// object's address; looking it up tells a live handle from a destroyed or foreign one (CUDA answers those with
// cudaErrorInvalidResourceHandle). Objects are shared: work already queued keeps what it uses alive.
#pragma once

#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace dofa_standin {
namespace cuda {

template <typename T>
class Handles {
 public:
  // Registers `object`; returns its handle.
  void* Add(std::shared_ptr<T> object) {
    void* handle = object.get();
    std::lock_guard<std::mutex> lock(mutex_);
    objects_.emplace(handle, std::move(object));
    return handle;
  }

  // The live object behind `handle`, or null.
  std::shared_ptr<T> Find(const void* handle) {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto found = objects_.find(handle);
    return found == objects_.end() ? nullptr : found->second;
  }

  // Unregisters `handle` and returns its object, or null if it was not live.
  std::shared_ptr<T> Take(const void* handle) {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto found = objects_.find(handle);
    if (found == objects_.end()) return nullptr;
    std::shared_ptr<T> object = std::move(found->second);
    objects_.erase(found);
    return object;
  }

  std::vector<std::shared_ptr<T>> All() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::shared_ptr<T>> all;
    all.reserve(objects_.size());
    for (const auto& entry : objects_) all.push_back(entry.second);
    return all;
  }

 private:
  std::mutex mutex_;
  std::unordered_map<const void*, std::shared_ptr<T>> objects_;
};

// A process-wide registry, never destroyed: stream threads may still use it while the process exits.
template <typename T>
Handles<T>& Registry() {
  static Handles<T>* handles = new Handles<T>();
  return *handles;
}

}  // namespace cuda
}  // namespace dofa_standin
