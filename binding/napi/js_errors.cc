#include "napi/js_errors.h"

#include "napi/addon_data.h"

namespace dofa {
namespace {

// lib/'s typed error, or an empty Value when none is registered or making it failed (the env is going away).
Napi::Value TypedError(Napi::Env env, const std::string& code, const std::string& message) {
  AddonData* data = env.GetInstanceData<AddonData>();
  if (data == nullptr || data->makeError.IsEmpty()) return Napi::Value();
  try {
    Napi::Value made = data->makeError.Call({Napi::String::New(env, code), Napi::String::New(env, message)});
    return made.IsObject() ? made : Napi::Value();
  } catch (const Napi::Error&) {
    return Napi::Value();
  }
}

}  // namespace

Napi::Error MakeJsError(Napi::Env env, const std::string& code, const std::string& message) {
  Napi::Value typed = TypedError(env, code, message);
  if (!typed.IsEmpty()) return Napi::Error(env, typed);
  const bool argumentMistake = code == codes::kInvalidArgument;
  Napi::Error error = argumentMistake ? Napi::TypeError::New(env, message) : Napi::Error::New(env, message);
  error.Value().Set("code", Napi::String::New(env, code));
  return error;
}

Napi::Error MakeJsError(Napi::Env env, const Error& error) {
  Napi::Error js = MakeJsError(env, error.code(), error.what());
  if (!error.rejectedModel().empty()) js.Value().Set("rejectedModel", error.rejectedModel());
  if (!error.manifestPath().empty()) js.Value().Set("manifestPath", error.manifestPath());
  return js;
}

void ThrowJs(Napi::Env env, const std::string& code, const std::string& message) {
  throw MakeJsError(env, code, message);
}

void ThrowContractJs(Napi::Env env, const std::string& what) { ThrowJs(env, codes::kInternal, "binding contract: " + what); }

}  // namespace dofa
