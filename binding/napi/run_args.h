// run(subnet, floats, image, width, height, format, stride) and runSync(...) arguments as a RunRequest: `floats` is
// a Float32Array for the shared input or null; `image` an 8-bit image's bytes (Uint8Array) or null, with its width,
// height, pixel format and row stride in bytes (lib/ fills in the default); both null: run on the shared input.
#pragma once

#include <napi.h>

#include "core/model.h"

namespace dofa {

// Converts only: Model::CheckRequest asserts the request fits the model. The request's pointers are into JS
// memory, valid while the caller keeps the values alive.
RunRequest ParseRunRequest(const Napi::CallbackInfo& info);

}  // namespace dofa
