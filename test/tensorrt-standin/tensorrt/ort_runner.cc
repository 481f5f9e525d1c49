#include "tensorrt/ort_runner.h"

#include <dlfcn.h>
#include <onnxruntime_c_api.h>

#include <cstring>
#include <mutex>
#include <thread>

#include "common/faults.h"

namespace dofa_standin {
namespace {

struct Ort {
  const OrtApi* api = nullptr;
  OrtEnv* env = nullptr;
};

// The library: the stand-in's own variable, else the one the process already has, else the addon's variable.
void* OpenLibrary(std::string* error) {
  const std::string own = Env("DYNAMIC_OFA_STANDIN_ORT_LIBRARY");
  if (!own.empty()) {
    void* handle = dlopen(own.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) *error = "DYNAMIC_OFA_STANDIN_ORT_LIBRARY='" + own + "' does not load: " + dlerror();
    return handle;
  }
  if (void* loaded = dlopen("libonnxruntime.so.1", RTLD_NOW | RTLD_NOLOAD)) return loaded;
  const std::string addons = Env("DYNAMIC_OFA_ORT_LIBRARY");
  if (!addons.empty()) {
    void* handle = dlopen(addons.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) *error = "DYNAMIC_OFA_ORT_LIBRARY='" + addons + "' does not load: " + dlerror();
    return handle;
  }
  *error = "the stand-in TensorRT runs engines on ONNX Runtime and found none: set DYNAMIC_OFA_STANDIN_ORT_LIBRARY to a "
           "libonnxruntime.so.1 (or load one in the process first, or set DYNAMIC_OFA_ORT_LIBRARY)";
  return nullptr;
}

std::string TakeStatus(const OrtApi* api, OrtStatus* status) {
  std::string message = api->GetErrorMessage(status);
  api->ReleaseStatus(status);
  return message;
}

// Loaded once it works; a failure is retried at the next deserialization (the process may load ONNX Runtime later).
const Ort* Acquire(std::string* error) {
  static std::mutex mutex;
  static Ort* ort = nullptr;  // never released: sessions may run until the process ends
  std::lock_guard<std::mutex> lock(mutex);
  if (ort != nullptr) return ort;
  void* library = OpenLibrary(error);
  if (library == nullptr) return nullptr;
  using GetApiBase = const OrtApiBase* (*)();
  auto getApiBase = reinterpret_cast<GetApiBase>(dlsym(library, "OrtGetApiBase"));
  const OrtApi* api = getApiBase != nullptr ? getApiBase()->GetApi(ORT_API_VERSION) : nullptr;
  if (api == nullptr) {
    *error = "the ONNX Runtime library has no C API version " + std::to_string(ORT_API_VERSION) + " (older than 1.21?)";
    return nullptr;
  }
  OrtThreadingOptions* threading = nullptr;
  OrtStatus* status = api->CreateThreadingOptions(&threading);
  const unsigned cores = std::thread::hardware_concurrency();
  if (status == nullptr) status = api->SetGlobalIntraOpNumThreads(threading, cores > 0 ? static_cast<int>(cores) : 1);
  if (status == nullptr) status = api->SetGlobalInterOpNumThreads(threading, 1);
  OrtEnv* env = nullptr;
  if (status == nullptr) status = api->CreateEnvWithGlobalThreadPools(ORT_LOGGING_LEVEL_FATAL, "dynamic-ofa-standin", threading, &env);
  if (threading != nullptr) api->ReleaseThreadingOptions(threading);
  if (status != nullptr) {
    *error = "creating the ONNX Runtime environment failed: " + TakeStatus(api, status);
    return nullptr;
  }
  ort = new Ort{api, env};
  return ort;
}

}  // namespace

size_t OnnxTypeBytes(int32_t onnxType) {
  switch (onnxType) {
    case 1: case 6: return 4;      // float, int32
    case 7: case 11: return 8;     // int64, double
    case 10: case 16: return 2;    // float16, bfloat16
    case 2: case 3: case 9: return 1;  // uint8, int8, bool
    default: return 0;
  }
}

std::unique_ptr<OrtModel> OrtModel::Create(const std::vector<uint8_t>& onnx, std::string* error) {
  const Ort* ort = Acquire(error);
  if (ort == nullptr) return nullptr;
  const OrtApi* api = ort->api;
  OrtSessionOptions* options = nullptr;
  OrtStatus* status = api->CreateSessionOptions(&options);
  if (status == nullptr) status = api->SetIntraOpNumThreads(options, 1);
  if (status == nullptr) status = api->SetInterOpNumThreads(options, 1);
  if (status == nullptr) status = api->SetSessionExecutionMode(options, ORT_SEQUENTIAL);
  if (status == nullptr) status = api->SetSessionGraphOptimizationLevel(options, ORT_ENABLE_ALL);
  if (status == nullptr) status = api->AddSessionConfigEntry(options, "session.intra_op.allow_spinning", "0");
  OrtSession* session = nullptr;
  if (status == nullptr) status = api->CreateSessionFromArray(ort->env, onnx.data(), onnx.size(), options, &session);
  if (options != nullptr) api->ReleaseSessionOptions(options);
  OrtMemoryInfo* memory = nullptr;
  if (status == nullptr) status = api->CreateCpuMemoryInfo(OrtArenaAllocator, OrtMemTypeDefault, &memory);
  if (status != nullptr) {
    *error = "ONNX Runtime cannot load the engine's network: " + TakeStatus(api, status);
    if (session != nullptr) api->ReleaseSession(session);
    return nullptr;
  }
  return std::unique_ptr<OrtModel>(new OrtModel(api, session, memory));
}

OrtModel::~OrtModel() {
  api_->ReleaseMemoryInfo(memory_);
  api_->ReleaseSession(session_);
}

bool OrtModel::Run(const std::vector<OrtTensorIo>& inputs, const std::vector<OrtTensorIo>& outputs, std::string* error) const {
  std::vector<OrtValue*> inputValues(inputs.size(), nullptr);
  std::vector<OrtValue*> outputValues(outputs.size(), nullptr);
  std::vector<const char*> inputNames;
  std::vector<const char*> outputNames;
  OrtStatus* status = nullptr;
  for (size_t i = 0; i < inputs.size() && status == nullptr; ++i) {
    const OrtTensorIo& in = inputs[i];
    size_t bytes = OnnxTypeBytes(in.onnxType);
    for (int64_t d : in.shape) bytes *= static_cast<size_t>(d);
    inputNames.push_back(in.name.c_str());
    status = api_->CreateTensorWithDataAsOrtValue(memory_, in.data, bytes, in.shape.data(), in.shape.size(),
                                                  static_cast<ONNXTensorElementDataType>(in.onnxType), &inputValues[i]);
  }
  for (const OrtTensorIo& out : outputs) outputNames.push_back(out.name.c_str());
  if (status == nullptr) {
    status = api_->Run(session_, nullptr, inputNames.data(), inputValues.data(), inputValues.size(), outputNames.data(),
                       outputNames.size(), outputValues.data());
  }
  bool ok = status == nullptr;
  if (!ok) *error = "ONNX Runtime failed to run the engine's network: " + TakeStatus(api_, status);
  for (size_t i = 0; ok && i < outputs.size(); ++i) {
    OrtTensorTypeAndShapeInfo* info = nullptr;
    size_t count = 0;
    ONNXTensorElementDataType type = ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED;
    void* data = nullptr;
    status = api_->GetTensorTypeAndShape(outputValues[i], &info);
    if (status == nullptr) status = api_->GetTensorShapeElementCount(info, &count);
    if (status == nullptr) status = api_->GetTensorElementType(info, &type);
    if (info != nullptr) api_->ReleaseTensorTypeAndShapeInfo(info);
    if (status == nullptr) status = api_->GetTensorMutableData(outputValues[i], &data);
    if (status != nullptr) {
      *error = "reading ONNX Runtime's output failed: " + TakeStatus(api_, status);
      ok = false;
    } else if (count * OnnxTypeBytes(static_cast<int32_t>(type)) != outputs[i].bytes) {
      *error = "output '" + outputs[i].name + "' has " + std::to_string(count * OnnxTypeBytes(static_cast<int32_t>(type))) +
               " bytes from ONNX Runtime, the engine expects " + std::to_string(outputs[i].bytes);
      ok = false;
    } else {
      std::memcpy(outputs[i].data, data, outputs[i].bytes);
    }
  }
  for (OrtValue* value : inputValues) {
    if (value != nullptr) api_->ReleaseValue(value);
  }
  for (OrtValue* value : outputValues) {
    if (value != nullptr) api_->ReleaseValue(value);
  }
  return ok;
}

}  // namespace dofa_standin
