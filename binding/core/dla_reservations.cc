#include "core/dla_reservations.h"

#include <map>
#include <mutex>
#include <utility>

namespace dofa {
namespace {

struct Residency {
  std::mutex mutex;
  std::map<int, int> loadables;  // by DLA core
};

Residency& ProcessResidency() {
  static Residency* residency = new Residency();  // never destroyed: a model may be released during exit
  return *residency;
}

}  // namespace

DlaReservation::DlaReservation(DlaReservation&& other) noexcept
    : core_(std::exchange(other.core_, -1)), loadables_(std::exchange(other.loadables_, 0)) {}

DlaReservation& DlaReservation::operator=(DlaReservation&& other) noexcept {
  if (this != &other) {
    Release();
    core_ = std::exchange(other.core_, -1);
    loadables_ = std::exchange(other.loadables_, 0);
  }
  return *this;
}

bool DlaReservation::TryReserve(int core, int loadables, int limit, DlaReservation* reservation, int* resident) {
  {
    Residency& residency = ProcessResidency();
    std::lock_guard<std::mutex> lock(residency.mutex);
    int& held = residency.loadables[core];
    *resident = held;
    if (held + loadables > limit) return false;
    held += loadables;
  }
  *reservation = DlaReservation(core, loadables);  // outside the lock: it releases what *reservation held before
  return true;
}

void DlaReservation::Release() {
  if (core_ < 0) return;
  Residency& residency = ProcessResidency();
  std::lock_guard<std::mutex> lock(residency.mutex);
  residency.loadables[core_] -= loadables_;
  core_ = -1;
  loadables_ = 0;
}

int ResidentDlaLoadables(int core) {
  Residency& residency = ProcessResidency();
  std::lock_guard<std::mutex> lock(residency.mutex);
  const auto found = residency.loadables.find(core);
  return found == residency.loadables.end() ? 0 : found->second;
}

}  // namespace dofa
