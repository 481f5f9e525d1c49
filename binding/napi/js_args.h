// Reading the plain option objects and arguments that lib/ passes to the addon.
#pragma once

#include <napi.h>

#include <cstdint>
#include <string>
#include <vector>

namespace dofa {

// `fallback` when the key is undefined.
std::string GetString(const Napi::Object& object, const char* key, const std::string& fallback);
int64_t GetInteger(const Napi::Object& object, const char* key, int64_t fallback, int64_t min, int64_t max);
bool GetBool(const Napi::Object& object, const char* key, bool fallback);
// Exactly `count` numbers.
void GetFloats(const Napi::Object& object, const char* key, size_t count, float* out);
std::vector<std::string> GetStrings(const Napi::Object& object, const char* key);

Napi::Array StringArray(Napi::Env env, const std::vector<std::string>& items);

}  // namespace dofa
