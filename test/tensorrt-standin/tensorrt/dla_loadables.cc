#include "tensorrt/dla_loadables.h"

#include <cstdlib>
#include <map>
#include <mutex>

#include "common/faults.h"

namespace dofa_standin {
namespace {

std::mutex mutex;
std::map<int32_t, int32_t>& Resident() {
  static auto* resident = new std::map<int32_t, int32_t>();  // never destroyed: engines may die at exit
  return *resident;
}

}  // namespace

int32_t DlaLoadableLimit() {
  static const int32_t limit = [] {
    const long value = std::strtol(Env("DYNAMIC_OFA_STANDIN_DLA_LOADABLES", "16").c_str(), nullptr, 10);
    return static_cast<int32_t>(value > 0 ? value : 16);
  }();
  return limit;
}

bool ReserveDlaLoadables(int32_t core, int32_t count, std::string* error) {
  if (count <= 0) return true;
  std::lock_guard<std::mutex> lock(mutex);
  int32_t& resident = Resident()[core];
  if (resident + count > DlaLoadableLimit()) {
    *error = "1: [nvdlaUtils.cpp::loadLoadable] Error Code 1: DLA (Failure to load program: DLA core " + std::to_string(core) +
             " holds at most " + std::to_string(DlaLoadableLimit()) + " loadables at once (DYNAMIC_OFA_STANDIN_DLA_LOADABLES); " +
             std::to_string(resident) + " are loaded in this process and this engine needs " + std::to_string(count) + " more.)";
    return false;
  }
  resident += count;
  return true;
}

void ReleaseDlaLoadables(int32_t core, int32_t count) {
  if (count <= 0) return;
  std::lock_guard<std::mutex> lock(mutex);
  int32_t& resident = Resident()[core];
  resident = resident > count ? resident - count : 0;
}

}  // namespace dofa_standin
