// Native errors as JS errors: a JS Error (a TypeError for argument mistakes) carrying the stable `.code`.
#pragma once

#include <napi.h>

#include <string>

#include "core/errors.h"

namespace dofa {

Napi::Error MakeJsError(Napi::Env env, const std::string& code, const std::string& message);
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
    ThrowJs(env, error.code(), error.what());
  } catch (const std::bad_alloc&) {
    ThrowJs(env, codes::kOutOfMemory, "out of memory");
  } catch (const std::exception& error) {
    ThrowJs(env, codes::kInternal, error.what());
  }
}

}  // namespace dofa
