// Reading the plain positional values lib/ passes to the addon (loadModel, run, buildEngine). lib/ has checked every
// value a user gave; here only what a conversion needs is asserted, and a value of the wrong kind breaks the binding
// contract (E_INTERNAL), it is not a user error.
#pragma once

#include <napi.h>

#include <cstdint>
#include <string>
#include <vector>

namespace dofa {

// Integers beyond this are not exact in a JS number.
inline constexpr int64_t kMaxSafeInteger = (int64_t{1} << 53) - 1;
inline constexpr int64_t kMaxInt = INT32_MAX;

// The arguments of one call of `function`, read by position; `name` names the argument in a contract message.
class Args {
 public:
  Args(const Napi::CallbackInfo& info, const char* function) : info_(info), function_(function) {}

  Napi::Env Env() const { return info_.Env(); }
  Napi::Value At(size_t i) const { return info_[i]; }
  // null or undefined
  bool IsAbsent(size_t i) const { return info_[i].IsNull() || info_[i].IsUndefined(); }
  std::string String(size_t i, const char* name) const;
  int64_t Integer(size_t i, const char* name, int64_t min, int64_t max) const;
  bool Bool(size_t i, const char* name) const;
  std::vector<std::string> Strings(size_t i, const char* name) const;
  std::vector<int64_t> Integers(size_t i, const char* name, int64_t min, int64_t max) const;
  // Exactly `count` numbers.
  void Floats(size_t i, const char* name, size_t count, float* out) const;
  [[noreturn]] void Invalid(const char* name, const std::string& expected) const;

 private:
  Napi::Array Array(size_t i, const char* name, const char* items) const;

  const Napi::CallbackInfo& info_;
  const char* function_;
};

Napi::Array StringArray(Napi::Env env, const std::vector<std::string>& items);

}  // namespace dofa
