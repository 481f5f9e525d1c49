// run(subnet, input?) / runSync(subnet, input?) arguments as a RunRequest. `input` is undefined or null (run on
// the shared input as written), a Float32Array of the sub-network's input size, or a frame
// {data, width, height, format, stride?}.
#pragma once

#include <napi.h>

#include "core/family.h"

namespace dofa {

// Converts only: Family::CheckRequest asserts the request fits the family. The request's pointers are into JS
// memory, valid while the caller keeps the values alive.
RunRequest ParseRunRequest(const Napi::CallbackInfo& info);

}  // namespace dofa
