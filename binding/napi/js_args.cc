#include "napi/js_args.h"

#include <cmath>

#include "napi/js_errors.h"

namespace dofa {
namespace {

[[noreturn]] void Invalid(const Napi::Object& object, const char* key, const std::string& expected) {
  ThrowJs(object.Env(), codes::kInvalidArgument, std::string("`") + key + "` must be " + expected);
}

}  // namespace

std::string GetString(const Napi::Object& object, const char* key, const std::string& fallback) {
  Napi::Value value = object.Get(key);
  if (value.IsUndefined()) return fallback;
  if (!value.IsString()) Invalid(object, key, "a string");
  return value.As<Napi::String>().Utf8Value();
}

int64_t GetInteger(const Napi::Object& object, const char* key, int64_t fallback, int64_t min, int64_t max) {
  Napi::Value value = object.Get(key);
  if (value.IsUndefined()) return fallback;
  const double number = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : NAN;
  // Compared as doubles first: a cast of a value out of int64's range is undefined behaviour.
  if (!std::isfinite(number) || std::floor(number) != number || number < static_cast<double>(min) ||
      number > static_cast<double>(max)) {
    Invalid(object, key, "an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  return static_cast<int64_t>(number);
}

bool GetBool(const Napi::Object& object, const char* key, bool fallback) {
  Napi::Value value = object.Get(key);
  if (value.IsUndefined()) return fallback;
  if (!value.IsBoolean()) Invalid(object, key, "a boolean");
  return value.As<Napi::Boolean>().Value();
}

void GetFloats(const Napi::Object& object, const char* key, size_t count, float* out) {
  Napi::Value value = object.Get(key);
  if (!value.IsArray() || value.As<Napi::Array>().Length() != count) {
    Invalid(object, key, "an array of " + std::to_string(count) + " numbers");
  }
  Napi::Array array = value.As<Napi::Array>();
  for (uint32_t i = 0; i < count; ++i) {
    Napi::Value item = array.Get(i);
    if (!item.IsNumber()) Invalid(object, key, "an array of numbers");
    out[i] = item.As<Napi::Number>().FloatValue();
  }
}

std::vector<std::string> GetStrings(const Napi::Object& object, const char* key) {
  Napi::Value value = object.Get(key);
  if (!value.IsArray()) Invalid(object, key, "an array of strings");
  Napi::Array array = value.As<Napi::Array>();
  std::vector<std::string> items;
  for (uint32_t i = 0; i < array.Length(); ++i) {
    Napi::Value item = array.Get(i);
    if (!item.IsString()) Invalid(object, key, "an array of strings");
    items.push_back(item.As<Napi::String>().Utf8Value());
  }
  return items;
}

Napi::Array StringArray(Napi::Env env, const std::vector<std::string>& items) {
  Napi::Array array = Napi::Array::New(env, items.size());
  for (size_t i = 0; i < items.size(); ++i) array.Set(static_cast<uint32_t>(i), items[i]);
  return array;
}

}  // namespace dofa
