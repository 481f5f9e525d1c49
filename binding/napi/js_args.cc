#include "napi/js_args.h"

#include <cmath>

#include "napi/js_errors.h"

namespace dofa {
namespace {

// Compared as doubles first: casting a value beyond int64's range is undefined behaviour.
bool IsIntegerIn(const Napi::Value& value, int64_t min, int64_t max) {
  const double number = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : NAN;
  return std::isfinite(number) && std::floor(number) == number && number >= static_cast<double>(min) &&
         number <= static_cast<double>(max);
}

int64_t IntegerOf(const Napi::Value& value) { return static_cast<int64_t>(value.As<Napi::Number>().DoubleValue()); }

std::string Range(int64_t min, int64_t max) {
  return "integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
}

}  // namespace

void Args::Invalid(const char* name, const std::string& expected) const {
  ThrowContractJs(Env(), std::string(function_) + ": `" + name + "` must be " + expected);
}

Napi::Array Args::Array(size_t i, const char* name, const char* items) const {
  Napi::Value value = info_[i];
  if (!value.IsArray()) Invalid(name, std::string("an array of ") + items);
  return value.As<Napi::Array>();
}

std::string Args::String(size_t i, const char* name) const {
  Napi::Value value = info_[i];
  if (!value.IsString()) Invalid(name, "a string");
  return value.As<Napi::String>().Utf8Value();
}

int64_t Args::Integer(size_t i, const char* name, int64_t min, int64_t max) const {
  Napi::Value value = info_[i];
  if (!IsIntegerIn(value, min, max)) Invalid(name, "an " + Range(min, max));
  return IntegerOf(value);
}

bool Args::Bool(size_t i, const char* name) const {
  Napi::Value value = info_[i];
  if (!value.IsBoolean()) Invalid(name, "a boolean");
  return value.As<Napi::Boolean>().Value();
}

std::vector<std::string> Args::Strings(size_t i, const char* name) const {
  Napi::Array array = Array(i, name, "strings");
  std::vector<std::string> items;
  for (uint32_t k = 0; k < array.Length(); ++k) {
    Napi::Value item = array.Get(k);
    if (!item.IsString()) Invalid(name, "an array of strings");
    items.push_back(item.As<Napi::String>().Utf8Value());
  }
  return items;
}

std::vector<int64_t> Args::Integers(size_t i, const char* name, int64_t min, int64_t max) const {
  Napi::Array array = Array(i, name, "integers");
  std::vector<int64_t> items;
  for (uint32_t k = 0; k < array.Length(); ++k) {
    Napi::Value item = array.Get(k);
    if (!IsIntegerIn(item, min, max)) Invalid(name, "an array, each an " + Range(min, max));
    items.push_back(IntegerOf(item));
  }
  return items;
}

void Args::Floats(size_t i, const char* name, size_t count, float* out) const {
  Napi::Array array = Array(i, name, "numbers");
  if (array.Length() != count) Invalid(name, "an array of " + std::to_string(count) + " numbers");
  for (uint32_t k = 0; k < count; ++k) {
    Napi::Value item = array.Get(k);
    if (!item.IsNumber()) Invalid(name, "an array of numbers");
    out[k] = item.As<Napi::Number>().FloatValue();
  }
}

Napi::Array StringArray(Napi::Env env, const std::vector<std::string>& items) {
  Napi::Array array = Napi::Array::New(env, items.size());
  for (size_t i = 0; i < items.size(); ++i) array.Set(static_cast<uint32_t>(i), items[i]);
  return array;
}

}  // namespace dofa
