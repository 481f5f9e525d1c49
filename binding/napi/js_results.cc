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

Napi::Array DescribeSubnets(Napi::Env env, const Model& model) {
  Napi::Array list = Napi::Array::New(env, model.size());
  for (size_t i = 0; i < model.size(); ++i) {
    Napi::Object entry = Napi::Object::New(env);
    entry.Set("input", DescribeTensor(env, model.inputOf(i)));
    entry.Set("output", DescribeTensor(env, model.outputOf(i)));
    entry.Set("warmupMs", model.warmupMs(i));
    entry.Set("activationBytes", static_cast<double>(model.activationBytes(i)));
    entry.Set("loadHeapBytes", static_cast<double>(model.heapUse(i).loadBytes));
    entry.Set("firstRunHeapBytes", static_cast<double>(model.heapUse(i).firstRunBytes));
    entry.Set("weightBytes", static_cast<double>(model.weights(i).bytes));
    entry.Set("reusedWeightBytes", static_cast<double>(model.weights(i).reusedBytes));
    list.Set(static_cast<uint32_t>(i), entry);
  }
  return list;
}

Napi::Object DescribeDeviceMemory(Napi::Env env, const Model& model) {
  Napi::Object memory = Napi::Object::New(env);
  memory.Set("sharedActivationBytes", static_cast<double>(model.sharedActivationBytes()));
  memory.Set("inputBytes", static_cast<double>(model.buffers().input->bytes()));
  memory.Set("outputBytes", static_cast<double>(model.buffers().output->bytes()));
  memory.Set("mappedBuffers", model.buffers().input->device().mapped);
  size_t graphs = 0;
  for (size_t i = 0; i < model.size(); ++i) graphs += model.replaysCudaGraph(i) ? 1 : 0;
  memory.Set("cudaGraphs", static_cast<double>(graphs));
  return memory;
}

}  // namespace dofa
