#include "napi/js_args.h"

#include <cmath>

#include "napi/js_errors.h"

namespace dofa {
namespace {

[[noreturn]] void Invalid(const Napi::Object& object, const char* key, const std::string& expected) {
  ThrowContractJs(object.Env(), std::string("`") + key + "` must be " + expected);
}

// Compared as doubles first: casting a value beyond int64's range is undefined behaviour.
bool IsIntegerIn(const Napi::Value& value, int64_t min, int64_t max) {
  const double number = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : NAN;
  return std::isfinite(number) && std::floor(number) == number && number >= static_cast<double>(min) &&
         number <= static_cast<double>(max);
}

std::string Range(int64_t min, int64_t max) {
  return "integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
}

Napi::Array GetArray(const Napi::Object& object, const char* key, const char* items) {
  Napi::Value value = object.Get(key);
  if (!value.IsArray()) Invalid(object, key, std::string("an array of ") + items);
  return value.As<Napi::Array>();
}

}  // namespace

std::string GetString(const Napi::Object& object, const char* key) {
  Napi::Value value = object.Get(key);
  if (!value.IsString()) Invalid(object, key, "a string");
  return value.As<Napi::String>().Utf8Value();
}

std::string GetString(const Napi::Object& object, const char* key, const std::string& fallback) {
  return object.Get(key).IsUndefined() ? fallback : GetString(object, key);
}

int64_t GetInteger(const Napi::Object& object, const char* key, int64_t min, int64_t max) {
  Napi::Value value = object.Get(key);
  if (!IsIntegerIn(value, min, max)) Invalid(object, key, "an " + Range(min, max));
  return static_cast<int64_t>(value.As<Napi::Number>().DoubleValue());
}

int64_t GetInteger(const Napi::Object& object, const char* key, int64_t fallback, int64_t min, int64_t max) {
  return object.Get(key).IsUndefined() ? fallback : GetInteger(object, key, min, max);
}

bool GetBool(const Napi::Object& object, const char* key) {
  Napi::Value value = object.Get(key);
  if (!value.IsBoolean()) Invalid(object, key, "a boolean");
  return value.As<Napi::Boolean>().Value();
}

bool GetBool(const Napi::Object& object, const char* key, bool fallback) {
  return object.Get(key).IsUndefined() ? fallback : GetBool(object, key);
}

void GetFloats(const Napi::Object& object, const char* key, size_t count, float* out) {
  Napi::Array array = GetArray(object, key, "numbers");
  if (array.Length() != count) Invalid(object, key, "an array of " + std::to_string(count) + " numbers");
  for (uint32_t i = 0; i < count; ++i) {
    Napi::Value item = array.Get(i);
    if (!item.IsNumber()) Invalid(object, key, "an array of numbers");
    out[i] = item.As<Napi::Number>().FloatValue();
  }
}

std::vector<std::string> GetStrings(const Napi::Object& object, const char* key) {
  Napi::Array array = GetArray(object, key, "strings");
  std::vector<std::string> items;
  for (uint32_t i = 0; i < array.Length(); ++i) {
    Napi::Value item = array.Get(i);
    if (!item.IsString()) Invalid(object, key, "an array of strings");
    items.push_back(item.As<Napi::String>().Utf8Value());
  }
  return items;
}

std::vector<int64_t> GetIntegers(const Napi::Object& object, const char* key, int64_t min, int64_t max) {
  Napi::Array array = GetArray(object, key, "integers");
  std::vector<int64_t> items;
  for (uint32_t i = 0; i < array.Length(); ++i) {
    Napi::Value item = array.Get(i);
    if (!IsIntegerIn(item, min, max)) Invalid(object, key, "an array, each an " + Range(min, max));
    items.push_back(static_cast<int64_t>(item.As<Napi::Number>().DoubleValue()));
  }
  return items;
}

Napi::Array StringArray(Napi::Env env, const std::vector<std::string>& items) {
  Napi::Array array = Napi::Array::New(env, items.size());
  for (size_t i = 0; i < items.size(); ++i) array.Set(static_cast<uint32_t>(i), items[i]);
  return array;
}

}  // namespace dofa
