#include "napi/js_errors.h"

namespace dofa {

Napi::Error MakeJsError(Napi::Env env, const std::string& code, const std::string& message) {
  const bool argumentMistake = code == codes::kInvalidArgument;
  Napi::Error error = argumentMistake ? Napi::TypeError::New(env, message) : Napi::Error::New(env, message);
  error.Value().Set("code", Napi::String::New(env, code));
  return error;
}

void ThrowJs(Napi::Env env, const std::string& code, const std::string& message) {
  throw MakeJsError(env, code, message);
}

void ThrowContractJs(Napi::Env env, const std::string& what) { ThrowJs(env, codes::kInternal, "binding contract: " + what); }

}  // namespace dofa
