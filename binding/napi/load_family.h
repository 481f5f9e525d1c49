// loadFamily(options) -> Promise<NativeFamily>: the options lib/ passes, and the load off the JS thread.
#pragma once

#include <napi.h>

namespace dofa {

Napi::Value LoadFamily(const Napi::CallbackInfo& info);

}  // namespace dofa
