// Helpers shared by the stand-in TensorRT's tests (tests/trt_*.cc): checks and the "N passed, N failed" line, a
// logger that keeps what TensorRT logs, fixtures by path, building / deserializing / running an engine through the
// public TensorRT API only (as the addon does), ONNX Runtime as the reference, and a tiny ONNX writer for models the
// fixtures lack. Each program runs with the stand-in libraries (or real ones) on the library path.
#pragma once

#include <NvInfer.h>
#include <NvOnnxParser.h>
#include <cuda_runtime_api.h>
#include <dlfcn.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"  // kEXPLICIT_BATCH, kINT8, the calibrator in 10.x

// Under LeakSanitizer: ONNX Runtime (not instrumented) leaks a few bytes whenever an environment is created, and the
// stand-in's environment is never released by design. Not the stand-in's leak; everything else is still checked.
extern "C" const char* __lsan_default_suppressions() { return "leak:libonnxruntime.so\n"; }

namespace trt_test {

inline int passed = 0;
inline int failed = 0;
inline const char* currentTest = "";

inline bool Record(bool ok, const char* file, int line, const std::string& what) {
  if (ok) {
    ++passed;
  } else {
    ++failed;
    std::printf("FAIL [%s] %s:%d: %s\n", currentTest, file, line, what.c_str());
    std::fflush(stdout);
  }
  return ok;
}
#define CHECK(condition) ::trt_test::Record((condition), __FILE__, __LINE__, #condition)
#define CHECK_MSG(condition, message) ::trt_test::Record((condition), __FILE__, __LINE__, std::string(#condition) + ": " + (message))

inline void Run(const char* name, void (*test)()) {
  currentTest = name;
  const int before = failed;
  test();
  std::printf("%s %s\n", failed == before ? "ok  " : "FAIL", name);
  std::fflush(stdout);
}

inline int Finish() {
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}

// Keeps every message; thread-safe (TensorRT may log from the stream's thread).
class Logger final : public nvinfer1::ILogger {
 public:
  void log(Severity severity, nvinfer1::AsciiChar const* message) noexcept override {
    std::lock_guard<std::mutex> lock(mutex_);
    entries_.push_back({severity, message});
    if (std::getenv("TRT_TEST_VERBOSE") != nullptr && severity <= Severity::kWARNING) std::printf("  [log %d] %s\n", static_cast<int>(severity), message);
  }
  size_t Mark() {
    std::lock_guard<std::mutex> lock(mutex_);
    return entries_.size();
  }
  // Messages of `severity` (or worse when `orWorse`) since `mark`, joined with " | ".
  std::string Since(size_t mark, Severity severity = Severity::kERROR, bool orWorse = true) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string text;
    for (size_t i = mark; i < entries_.size(); ++i) {
      if (entries_[i].first == severity || (orWorse && entries_[i].first < severity)) text += (text.empty() ? "" : " | ") + entries_[i].second;
    }
    return text;
  }
  // INFO lines since `mark` that start with `prefix`.
  int CountInfo(size_t mark, const std::string& prefix) {
    std::lock_guard<std::mutex> lock(mutex_);
    int count = 0;
    for (size_t i = mark; i < entries_.size(); ++i) count += entries_[i].first == Severity::kINFO && entries_[i].second.rfind(prefix, 0) == 0;
    return count;
  }

 private:
  std::mutex mutex_;
  std::vector<std::pair<Severity, std::string>> entries_;
};

inline Logger& TheLogger() {
  static Logger* logger = new Logger();  // never destroyed: TensorRT keeps it for the process
  return *logger;
}

inline std::string RepoRoot() {
  std::string file = __FILE__;  // .../test/tensorrt-standin/tests/trt_test_util.h
  for (int i = 0; i < 4; ++i) file = file.substr(0, file.rfind('/'));
  return file;
}

inline std::string Fixture(const std::string& relative) { return RepoRoot() + "/" + relative; }

inline std::vector<uint8_t> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The ONNX Runtime the engines run on: DYNAMIC_OFA_STANDIN_ORT_LIBRARY, else the one npm installed.
inline std::string OrtLibrary() {
  if (const char* set = std::getenv("DYNAMIC_OFA_STANDIN_ORT_LIBRARY")) return set;
#if defined(__aarch64__)
  const std::string arch = "arm64";
#else
  const std::string arch = "x64";
#endif
  const std::string path = RepoRoot() + "/node_modules/onnxruntime-node/bin/napi-v6/linux/" + arch + "/libonnxruntime.so.1";
  setenv("DYNAMIC_OFA_STANDIN_ORT_LIBRARY", path.c_str(), 0);
  return path;
}

template <typename T>
struct Deleter {
  void operator()(T* object) const { delete object; }
};
template <typename T>
using Ptr = std::unique_ptr<T, Deleter<T>>;

inline nvinfer1::IBuilder* NewBuilder() {
  return static_cast<nvinfer1::IBuilder*>(createInferBuilder_INTERNAL(&TheLogger(), NV_TENSORRT_VERSION));
}
inline nvinfer1::IRuntime* NewRuntime() {
  return static_cast<nvinfer1::IRuntime*>(createInferRuntime_INTERNAL(&TheLogger(), NV_TENSORRT_VERSION));
}

struct BuildOptions {
  int dlaCore = -1;
  bool fp16 = true;
  bool gpuFallback = true;
  nvinfer1::ProfilingVerbosity verbosity = nvinfer1::ProfilingVerbosity::kDETAILED;
  nvinfer1::IInt8Calibrator* calibrator = nullptr;  // int8 when set
  std::vector<int64_t> profile;                     // min = opt = max for input 0 when set
  nvinfer1::ITimingCache const* timingCache = nullptr;
};

// fp16 on DLA core `core` with GPU fallback, as the addon builds for dla0 / dla1.
inline BuildOptions OnDla(int core) {
  BuildOptions options;
  options.dlaCore = core;
  return options;
}

inline nvinfer1::INetworkDefinition* NewNetwork(nvinfer1::IBuilder& builder) {
#if NV_TENSORRT_MAJOR < 10
  return builder.createNetworkV2(1U << static_cast<uint32_t>(nvinfer1::NetworkDefinitionCreationFlag::kEXPLICIT_BATCH));
#else
  return builder.createNetworkV2(0);
#endif
}

// The plan for `onnx` (a path), or empty with the errors in TheLogger().
inline std::vector<uint8_t> BuildPlan(const std::string& onnx, const BuildOptions& options = {}) {
  Ptr<nvinfer1::IBuilder> builder(NewBuilder());
  if (!builder) return {};
  Ptr<nvinfer1::INetworkDefinition> network(NewNetwork(*builder));
  Ptr<nvonnxparser::IParser> parser(static_cast<nvonnxparser::IParser*>(createNvOnnxParser_INTERNAL(network.get(), &TheLogger(), NV_ONNX_PARSER_VERSION)));
  if (!network || !parser || !parser->parseFromFile(onnx.c_str(), static_cast<int>(nvinfer1::ILogger::Severity::kWARNING))) return {};
  Ptr<nvinfer1::IBuilderConfig> config(builder->createBuilderConfig());
  if (!config) return {};
  config->setProfilingVerbosity(options.verbosity);
  if (options.fp16) config->setFlag(nvinfer1::BuilderFlag::kFP16);
  if (options.calibrator != nullptr) {
    config->setFlag(nvinfer1::BuilderFlag::kINT8);
    config->setInt8Calibrator(options.calibrator);
  }
  if (options.dlaCore >= 0) {
    config->setDefaultDeviceType(nvinfer1::DeviceType::kDLA);
    config->setDLACore(options.dlaCore);
    if (options.gpuFallback) config->setFlag(nvinfer1::BuilderFlag::kGPU_FALLBACK);
  }
  if (!options.profile.empty()) {
    nvinfer1::IOptimizationProfile* profile = builder->createOptimizationProfile();
    nvinfer1::Dims dims{};
    dims.nbDims = static_cast<int32_t>(options.profile.size());
    for (int32_t i = 0; i < dims.nbDims; ++i) dims.d[i] = static_cast<decltype(dims.d[0] + 0)>(options.profile[static_cast<size_t>(i)]);
    const char* name = network->getInput(0)->getName();
    for (auto selector : {nvinfer1::OptProfileSelector::kMIN, nvinfer1::OptProfileSelector::kOPT, nvinfer1::OptProfileSelector::kMAX}) {
      profile->setDimensions(name, selector, dims);
    }
    config->addOptimizationProfile(profile);
  }
  if (options.timingCache != nullptr) config->setTimingCache(*options.timingCache, false);
  Ptr<nvinfer1::IHostMemory> plan(builder->buildSerializedNetwork(*network, *config));
  if (!plan) return {};
  const auto* bytes = static_cast<const uint8_t*>(plan->data());
  return std::vector<uint8_t>(bytes, bytes + plan->size());
}

inline size_t Volume(const nvinfer1::Dims& dims) {
  size_t volume = 1;
  for (int32_t i = 0; i < dims.nbDims; ++i) volume *= static_cast<size_t>(dims.d[i] < 0 ? 1 : dims.d[i]);
  return volume;
}

// Runs `engine` once on `input` through a user-managed context, as the addon does; empty output on failure.
inline std::vector<float> RunEngine(nvinfer1::ICudaEngine& engine, const std::vector<float>& input, std::string* error = nullptr) {
  std::vector<float> result;
  const char* inName = engine.getIOTensorName(0);
  const char* outName = engine.getIOTensorName(1);
#if NV_TENSORRT_MAJOR >= 10
  Ptr<nvinfer1::IExecutionContext> context(engine.createExecutionContext(nvinfer1::ExecutionContextAllocationStrategy::kUSER_MANAGED));
  const int64_t activationBytes = engine.getDeviceMemorySizeV2();
#else
  Ptr<nvinfer1::IExecutionContext> context(engine.createExecutionContextWithoutDeviceMemory());
  const int64_t activationBytes = static_cast<int64_t>(engine.getDeviceMemorySize());
#endif
  if (!context) return result;
  const size_t outCount = Volume(context->getTensorShape(outName));
  void *in = nullptr, *out = nullptr, *activations = nullptr;
  cudaStream_t stream = nullptr;
  bool ok = cudaHostAlloc(&in, input.size() * 4, cudaHostAllocMapped) == cudaSuccess && cudaMalloc(&out, outCount * 4) == cudaSuccess &&
            cudaMalloc(&activations, static_cast<size_t>(activationBytes)) == cudaSuccess && cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking) == cudaSuccess;
  if (ok) {
    std::memcpy(in, input.data(), input.size() * 4);
#if NV_TENSORRT_MAJOR >= 10
    context->setDeviceMemoryV2(activations, activationBytes);
#else
    context->setDeviceMemory(activations);
#endif
    const size_t mark = TheLogger().Mark();
    ok = context->setTensorAddress(inName, in) && context->setTensorAddress(outName, out) && context->enqueueV3(stream) &&
         cudaStreamSynchronize(stream) == cudaSuccess;
    result.resize(outCount);
    ok = ok && cudaMemcpy(result.data(), out, outCount * 4, cudaMemcpyDeviceToHost) == cudaSuccess;
    if (error != nullptr) *error = TheLogger().Since(mark);
    if (!ok) result.clear();
  }
  if (stream != nullptr) cudaStreamDestroy(stream);
  cudaFreeHost(in);
  cudaFree(out);
  cudaFree(activations);
  return result;
}

inline nvinfer1::ICudaEngine* Deserialize(nvinfer1::IRuntime& runtime, const std::vector<uint8_t>& plan) {
  return runtime.deserializeCudaEngine(plan.data(), plan.size());
}

// Engine layers whose "LayerType" is `type` in an inspector JSON.
inline int CountLayerType(const std::string& json, const std::string& type) {
  int count = 0;
  const std::string needle = "\"LayerType\":\"" + type + "\"";
  for (size_t at = json.find(needle); at != std::string::npos; at = json.find(needle, at + 1)) ++count;
  return count;
}

inline std::string EngineJson(nvinfer1::ICudaEngine& engine) {
  Ptr<nvinfer1::IEngineInspector> inspector(engine.createEngineInspector());
  const char* json = inspector ? inspector->getEngineInformation(nvinfer1::LayerInformationFormat::kJSON) : nullptr;
  return json != nullptr ? json : "";
}

// Deterministic floats in [-1, 1).
inline std::vector<float> Floats(size_t count, uint32_t seed) {
  std::vector<float> out(count);
  uint32_t state = seed * 2654435761u + 1;
  for (float& v : out) {
    state ^= state << 13, state ^= state >> 17, state ^= state << 5;
    v = static_cast<float>(state) / 2147483648.0f - 1.0f;
  }
  return out;
}

inline float MaxAbsDiff(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size() || a.empty()) return 1e30f;
  float max = 0;
  for (size_t i = 0; i < a.size(); ++i) max = std::max(max, std::abs(a[i] - b[i]));
  return max;
}

}  // namespace trt_test
