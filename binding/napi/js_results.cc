#include "napi/js_results.h"

namespace dofa {
namespace {

Napi::Object DescribeTensor(Napi::Env env, const TensorInfo& tensor) {
  Napi::Object object = Napi::Object::New(env);
  object.Set("name", tensor.name);
  Napi::Array shape = Napi::Array::New(env, tensor.shape.size());
  for (size_t d = 0; d < tensor.shape.size(); ++d) shape.Set(static_cast<uint32_t>(d), static_cast<double>(tensor.shape[d]));
  object.Set("shape", shape);
  return object;
}

}  // namespace

Napi::Object MakeRunResult(Napi::Env env, size_t subnet, const RunResult& result) {
  Napi::Object object = Napi::Object::New(env);
  object.Set("subnet", static_cast<double>(subnet));
  object.Set("latencyMs", result.timing.hostMs);
  if (result.timing.deviceMs >= 0) object.Set("deviceMs", result.timing.deviceMs);
  object.Set("preprocessMs", result.preprocessMs);
  return object;
}

Napi::Array DescribeSubnets(Napi::Env env, const Family& family) {
  Napi::Array list = Napi::Array::New(env, family.size());
  for (size_t i = 0; i < family.size(); ++i) {
    Napi::Object entry = Napi::Object::New(env);
    entry.Set("input", DescribeTensor(env, family.inputOf(i)));
    entry.Set("output", DescribeTensor(env, family.outputOf(i)));
    entry.Set("warmupMs", family.warmupMs(i));
    entry.Set("activationBytes", static_cast<double>(family.activationBytes(i)));
    list.Set(static_cast<uint32_t>(i), entry);
  }
  return list;
}

}  // namespace dofa
