// DLA loadables resident per core, process-wide: a core holds at most DYNAMIC_OFA_STANDIN_DLA_LOADABLES (default 16,
// TensorRT's "only 16 DLA loadables can be loaded concurrently per core"). An engine reserves its loadables when it
// is deserialized and releases them when it is destroyed; a deserialization that would exceed the limit fails, as
// loading the loadable fails on a Jetson. The builder uses the same limit for the subgraphs of one network.
#pragma once

#include <cstdint>
#include <string>

namespace dofa_standin {

int32_t DlaLoadableLimit();

// Reserves `count` loadables on `core`; false (with a message naming the limit) when they do not fit.
bool ReserveDlaLoadables(int32_t core, int32_t count, std::string* error);
void ReleaseDlaLoadables(int32_t core, int32_t count);

}  // namespace dofa_standin
