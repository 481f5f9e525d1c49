// Native errors as JS errors: the typed error lib/errors.ts makes for the stable `code` (once lib/ registered its
// makeError with useErrors()), else a JS Error (a TypeError for argument mistakes) carrying `.code`.
#pragma once

#include <napi.h>

#include <string>

#include "core/errors.h"

namespace dofa {

Napi::Error MakeJsError(Napi::Env env, const std::string& code, const std::string& message);
// With what the error names besides its code: the model file a backend refused (`rejectedModel`), the family.json
// field a model contradicts (`manifestPath`).
Napi::Error MakeJsError(Napi::Env env, const Error& error);
[[noreturn]] void ThrowJs(Napi::Env env, const std::string& code, const std::string& message);
// A JS argument that breaks the binding contract (see ContractViolation in core/errors.h).
[[noreturn]] void ThrowContractJs(Napi::Env env, const std::string& what);

// Runs native `work` on the JS thread: what it throws becomes a JS error with the same code. (A C++ exception
// other than Napi::Error must not escape into node-addon-api's callback wrapper.)
template <typename Work>
auto CallNative(Napi::Env env, Work&& work) -> decltype(work()) {
  try {
    return work();
  } catch (const Napi::Error&) {
    throw;
  } catch (const Error& error) {
    throw MakeJsError(env, error);
  } catch (const std::bad_alloc&) {
    ThrowJs(env, codes::kOutOfMemory, "out of memory");
  } catch (const std::exception& error) {
    ThrowJs(env, codes::kInternal, error.what());
  }
}

}  // namespace dofa
