// Native errors as JS errors: a JS Error (a TypeError for argument mistakes) carrying the stable `.code`.
#pragma once

#include <napi.h>

#include <string>

#include "core/errors.h"

namespace dofa {

Napi::Error MakeJsError(Napi::Env env, const std::string& code, const std::string& message);
[[noreturn]] void ThrowJs(Napi::Env env, const std::string& code, const std::string& message);

}  // namespace dofa
