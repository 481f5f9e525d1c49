// Reading the plain option objects and arguments that lib/ passes to the addon. lib/ has checked every value a
// user gave; a value of the wrong kind here breaks the binding contract (E_INTERNAL), it is not a user error.
#pragma once

#include <napi.h>

#include <cstdint>
#include <string>
#include <vector>

namespace dofa {

// Integers beyond this are not exact in a JS number.
inline constexpr int64_t kMaxSafeInteger = (int64_t{1} << 53) - 1;

std::string GetString(const Napi::Object& object, const char* key);
std::string GetString(const Napi::Object& object, const char* key, const std::string& fallback);  // when undefined
int64_t GetInteger(const Napi::Object& object, const char* key, int64_t min, int64_t max);
int64_t GetInteger(const Napi::Object& object, const char* key, int64_t fallback, int64_t min, int64_t max);
bool GetBool(const Napi::Object& object, const char* key);
bool GetBool(const Napi::Object& object, const char* key, bool fallback);
// Exactly `count` numbers.
void GetFloats(const Napi::Object& object, const char* key, size_t count, float* out);
std::vector<std::string> GetStrings(const Napi::Object& object, const char* key);
std::vector<int64_t> GetIntegers(const Napi::Object& object, const char* key, int64_t min, int64_t max);

Napi::Array StringArray(Napi::Env env, const std::vector<std::string>& items);

}  // namespace dofa
