// DLA loadables held on each DLA core by the models this process has resident, counted here for the whole
// process: a DLA core holds at most 16 loadables ("DLA Supported Layers and Restrictions"), while models load
// concurrently (several loads at once in one JS realm, in several worker_threads). A load reserves its engines'
// loadables before deserializing them, in one step with the check, and the model holds the reservation until it
// is destroyed (close(), garbage collection, a failed load). Pure C++: the count does not depend on the backend.
#pragma once

namespace dofa {

class DlaReservation {
 public:
  DlaReservation() = default;  // holds nothing
  ~DlaReservation() { Release(); }
  DlaReservation(DlaReservation&& other) noexcept;
  DlaReservation& operator=(DlaReservation&& other) noexcept;
  DlaReservation(const DlaReservation&) = delete;
  DlaReservation& operator=(const DlaReservation&) = delete;

  // Reserves `loadables` on DLA core `core` when what the process holds there plus them is at most `limit`
  // (then `*reservation` holds them); false otherwise. `*resident` receives what the process held there before.
  static bool TryReserve(int core, int loadables, int limit, DlaReservation* reservation, int* resident);

 private:
  DlaReservation(int core, int loadables) : core_(core), loadables_(loadables) {}
  void Release();

  int core_ = -1;
  int loadables_ = 0;
};

// What the process holds on DLA core `core` now.
int ResidentDlaLoadables(int core);

}  // namespace dofa
