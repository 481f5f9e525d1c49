// Plans, timing caches and the API's error paths: a corrupt, truncated, foreign, other-build or other-device plan
// fails to deserialize with an error logged (never a crash, fuzzed); the timing cache round-trips and is refused
// when corrupt; misuse (unknown or unaligned addresses, no activation memory, an engine destroyed before its context)
// is logged; a run that fails inside the stream's host function poisons the output and fails the next enqueueV3;
// nothing CUDA is leaked.
#include <random>

#include "tests/trt_test_onnx.h"
#include "tests/trt_test_util.h"
#include "cuda/standin_cuda_stats.h"

using namespace trt_test;

namespace {

const std::string kTiny = Fixture("test/fixtures/tiny-family/s0.onnx");

bool Refused(const std::vector<uint8_t>& plan, const std::string& expected) {
  Ptr<nvinfer1::IRuntime> runtime(NewRuntime());
  const size_t mark = TheLogger().Mark();
  Ptr<nvinfer1::ICudaEngine> engine(runtime->deserializeCudaEngine(plan.empty() ? nullptr : plan.data(), plan.size()));
  const std::string errors = TheLogger().Since(mark);
  return CHECK_MSG(engine == nullptr && errors.find(expected) != std::string::npos, "expected '" + expected + "', logged: " + errors);
}

void Reseal(std::vector<uint8_t>* plan) {
  uint64_t hash = 14695981039346656037ULL;
  for (size_t i = 0; i + 8 < plan->size(); ++i) hash = (hash ^ (*plan)[i]) * 1099511628211ULL;
  std::memcpy(plan->data() + plan->size() - 8, &hash, 8);
}

void BadPlans() {
  const std::vector<uint8_t> plan = BuildPlan(kTiny);
  if (!CHECK(!plan.empty())) return;
  Refused({}, "Serialization assertion");
  Refused(ReadFile(kTiny), "magicTag");  // an ONNX file is not a plan
  Refused(std::vector<uint8_t>(plan.begin(), plan.begin() + static_cast<long>(plan.size() / 2)), "Serialization assertion");
  std::vector<uint8_t> flipped = plan;
  flipped[plan.size() / 2] ^= 0x40;
  Refused(flipped, "checksum");
  std::vector<uint8_t> otherBuild = plan;
  otherBuild[8 + 4 + 12] ^= 1;  // the build number: TensorRT refuses plans of any other build
  Refused(otherBuild, "not compatible with this version of TensorRT");
  std::vector<uint8_t> otherDevice = plan;
  otherDevice[36 + 8] ^= 0x20;  // the first letter of the device name, sealed again
  Reseal(&otherDevice);
  Refused(otherDevice, "incompatible device");
  // Fuzz: flips, truncations and garbage never crash and never deserialize.
  std::mt19937 random(7);
  Ptr<nvinfer1::IRuntime> runtime(NewRuntime());
  int accepted = 0;
  for (int i = 0; i < 3000; ++i) {
    std::vector<uint8_t> mutated = plan;
    switch (i % 3) {
      case 0:
        for (int flips = 1 + static_cast<int>(random() % 4); flips > 0; --flips) mutated[random() % mutated.size()] ^= static_cast<uint8_t>(1 + random() % 255);
        break;
      case 1: mutated.resize(random() % mutated.size()); break;
      default:
        for (uint8_t& byte : mutated) byte = static_cast<uint8_t>(random());
        std::memcpy(mutated.data(), plan.data(), std::min<size_t>(mutated.size(), 8 + random() % 40));  // a plausible header
    }
    Ptr<nvinfer1::ICudaEngine> engine(runtime->deserializeCudaEngine(mutated.data(), mutated.size()));
    accepted += engine != nullptr;
  }
  CHECK_MSG(accepted == 0, std::to_string(accepted) + " mutated plans deserialized");
  // The engine gives its plan back.
  Ptr<nvinfer1::ICudaEngine> engine(runtime->deserializeCudaEngine(plan.data(), plan.size()));
  Ptr<nvinfer1::IHostMemory> again(engine ? engine->serialize() : nullptr);
  CHECK(again && again->size() == plan.size() && std::memcmp(again->data(), plan.data(), plan.size()) == 0);
}

void TimingCache() {
  Ptr<nvinfer1::IBuilder> builder(NewBuilder());
  Ptr<nvinfer1::IBuilderConfig> config(builder->createBuilderConfig());
  Ptr<nvinfer1::ITimingCache> cache(config->createTimingCache(nullptr, 0));
  if (!CHECK(cache != nullptr)) return;
  BuildOptions options;
  options.timingCache = cache.get();
  size_t mark = TheLogger().Mark();
  CHECK(!BuildPlan(kTiny, options).empty());
  const std::string first = TheLogger().Since(mark, nvinfer1::ILogger::Severity::kINFO, false);
  CHECK_MSG(first.find("Timing cache: ") != std::string::npos && first.find(" 0 misses") == std::string::npos, first);
  Ptr<nvinfer1::IHostMemory> blob(cache->serialize());
  if (!CHECK(blob && blob->size() > 0)) return;
  const auto* bytes = static_cast<const uint8_t*>(blob->data());
  std::vector<uint8_t> saved(bytes, bytes + blob->size());
  Ptr<nvinfer1::ITimingCache> loaded(config->createTimingCache(saved.data(), saved.size()));
  CHECK(loaded != nullptr && config->setTimingCache(*loaded, false) && config->getTimingCache() == loaded.get());
  options.timingCache = loaded.get();
  mark = TheLogger().Mark();
  CHECK(!BuildPlan(kTiny, options).empty());
  const std::string info = TheLogger().Since(mark, nvinfer1::ILogger::Severity::kINFO, false);
  CHECK_MSG(info.find(" 0 misses") != std::string::npos, info);  // every tactic comes from the loaded cache
  CHECK(cache->combine(*loaded, false));
  saved[saved.size() / 2] ^= 1;
  mark = TheLogger().Mark();
  CHECK(config->createTimingCache(saved.data(), saved.size()) == nullptr && !TheLogger().Since(mark).empty());
  CHECK(config->createTimingCache(kTiny.data(), kTiny.size()) == nullptr);  // not a cache at all
}

void EngineQueriesAndInspector() {
  Ptr<nvinfer1::IRuntime> runtime(NewRuntime());
  Ptr<nvinfer1::ICudaEngine> engine(Deserialize(*runtime, BuildPlan(Fixture("engines/fashion-ofa/L0.onnx"))));
  if (!CHECK(engine != nullptr)) return;
  CHECK(engine->getNbIOTensors() == 2 && std::string(engine->getIOTensorName(0)) == "input" && std::string(engine->getIOTensorName(1)) == "logits");
  CHECK(engine->getTensorIOMode("input") == nvinfer1::TensorIOMode::kINPUT && engine->getTensorIOMode("logits") == nvinfer1::TensorIOMode::kOUTPUT);
  CHECK(engine->getTensorIOMode("nope") == nvinfer1::TensorIOMode::kNONE);
  CHECK(engine->getTensorDataType("input") == nvinfer1::DataType::kFLOAT && engine->getTensorFormat("logits") == nvinfer1::TensorFormat::kLINEAR);
  CHECK(engine->getTensorLocation("input") == nvinfer1::TensorLocation::kDEVICE);
  CHECK(engine->getTensorShape("input").nbDims == 4 && engine->getTensorShape("input").d[3] == 16 && engine->getTensorShape("logits").d[1] == 10);
  CHECK(std::string(engine->getName()) == "torch_jit" && engine->getNbLayers() >= 1 && engine->getNbOptimizationProfiles() == 1);
  // Activation memory: plausible and different per sub-network.
  std::vector<int64_t> sizes;
  for (const char* level : {"L0", "L1", "L2", "L3", "L4", "L5"}) {
    Ptr<nvinfer1::ICudaEngine> e(Deserialize(*runtime, BuildPlan(Fixture(std::string("engines/fashion-ofa/") + level + ".onnx"))));
#if NV_TENSORRT_MAJOR >= 10
    sizes.push_back(e ? e->getDeviceMemorySizeV2() : 0);
#else
    sizes.push_back(e ? static_cast<int64_t>(e->getDeviceMemorySize()) : 0);
#endif
    std::printf("  activation bytes %s: %lld\n", level, static_cast<long long>(sizes.back()));
  }
  for (size_t i = 0; i < sizes.size(); ++i) {
    CHECK(sizes[i] > 0);
    for (size_t j = 0; j < i; ++j) CHECK_MSG(sizes[i] != sizes[j], "L" + std::to_string(i) + " and L" + std::to_string(j));
  }
  // Names only, no layers, one line per layer; an out-of-range layer.
  for (auto verbosity : {nvinfer1::ProfilingVerbosity::kLAYER_NAMES_ONLY, nvinfer1::ProfilingVerbosity::kNONE}) {
    BuildOptions options;
    options.verbosity = verbosity;
    Ptr<nvinfer1::ICudaEngine> e(Deserialize(*runtime, BuildPlan(kTiny, options)));
    const std::string json = e ? EngineJson(*e) : "";
    CHECK(json.find("LayerType") == std::string::npos);
    CHECK(verbosity == nvinfer1::ProfilingVerbosity::kNONE ? json.rfind("{\"Layers\":[]", 0) == 0 : json.rfind("{\"Layers\":[\"", 0) == 0);
  }
  Ptr<nvinfer1::IEngineInspector> inspector(engine->createEngineInspector());
  const std::string lines = inspector->getEngineInformation(nvinfer1::LayerInformationFormat::kONELINE);
  CHECK(std::count(lines.begin(), lines.end(), '\n') == engine->getNbLayers() + 1);
  const size_t mark = TheLogger().Mark();
  CHECK(inspector->getLayerInformation(engine->getNbLayers(), nvinfer1::LayerInformationFormat::kJSON) == nullptr && !TheLogger().Since(mark).empty());
  CHECK(std::string(inspector->getLayerInformation(0, nvinfer1::LayerInformationFormat::kJSON)).find("\"Name\"") != std::string::npos);
}

void Misuse() {
  Ptr<nvinfer1::IRuntime> runtime(NewRuntime());
  auto* engine = Deserialize(*runtime, BuildPlan(kTiny));
  if (!CHECK(engine != nullptr)) return;
#if NV_TENSORRT_MAJOR >= 10
  Ptr<nvinfer1::IExecutionContext> context(engine->createExecutionContext(nvinfer1::ExecutionContextAllocationStrategy::kUSER_MANAGED));
#else
  Ptr<nvinfer1::IExecutionContext> context(engine->createExecutionContextWithoutDeviceMemory());
#endif
  void* buffer = nullptr;
  cudaMalloc(&buffer, 4096);
  cudaStream_t stream = nullptr;
  cudaStreamCreate(&stream);
  const auto fails = [](bool result, size_t mark) { return !result && !TheLogger().Since(mark).empty(); };
  CHECK(fails(context->setTensorAddress("nope", buffer), TheLogger().Mark()));
  CHECK(fails(context->setTensorAddress("input", nullptr), TheLogger().Mark()));
  CHECK(fails(context->setTensorAddress("input", static_cast<char*>(buffer) + 4), TheLogger().Mark()));
  CHECK(fails(context->enqueueV3(stream), TheLogger().Mark()));  // no addresses
  CHECK(context->setTensorAddress("input", buffer) && context->setTensorAddress("logits", static_cast<char*>(buffer) + 3584));
  CHECK(context->getTensorAddress("input") == buffer);
  size_t mark = TheLogger().Mark();
  CHECK(fails(context->enqueueV3(stream), mark) && TheLogger().Since(mark).find("without device memory") != std::string::npos);
#if NV_TENSORRT_MAJOR >= 10
  mark = TheLogger().Mark();
  context->setDeviceMemoryV2(buffer, 16);  // smaller than getDeviceMemorySizeV2()
  CHECK(!TheLogger().Since(mark).empty());
#endif
  // The engine destroyed before its context: logged, and the context is still safe to destroy.
  mark = TheLogger().Mark();
  delete engine;
  CHECK(TheLogger().Since(mark).find("execution contexts still exist") != std::string::npos);
  context.reset();
  cudaStreamDestroy(stream);
  cudaFree(buffer);
}

// An output ONNX Runtime fills with another size than the engine's: the host function fails on the stream's thread.
void AsynchronousFailure() {
  const std::string onnx = WriteTemp(Model({Node("Relu", {"x"}, {"y"})}, ValueInfo("x", {1, 4}), ValueInfo("y", {1, 5})), "bad-output.onnx");
  Ptr<nvinfer1::IRuntime> runtime(NewRuntime());
  Ptr<nvinfer1::ICudaEngine> engine(Deserialize(*runtime, BuildPlan(onnx)));
  if (!CHECK(engine != nullptr)) return;
  Ptr<nvinfer1::IExecutionContext> context(engine->createExecutionContext());
  float *in = nullptr, *out = nullptr;
  cudaHostAlloc(reinterpret_cast<void**>(&in), 256, cudaHostAllocMapped);  // device pointer == host pointer
  cudaHostAlloc(reinterpret_cast<void**>(&out), 256, cudaHostAllocMapped);
  cudaStream_t stream = nullptr;
  cudaStreamCreate(&stream);
  CHECK(context->setTensorAddress("x", in) && context->setTensorAddress("y", out));
  size_t mark = TheLogger().Mark();
  CHECK(context->enqueueV3(stream) && cudaStreamSynchronize(stream) == cudaSuccess);  // the failure comes later
  CHECK_MSG(std::isnan(out[0]) && std::isnan(out[4]), "the output is poisoned");
  CHECK(TheLogger().Since(mark).find("bytes from ONNX Runtime") != std::string::npos);
  mark = TheLogger().Mark();
  CHECK(!context->enqueueV3(stream) && TheLogger().Since(mark).find("earlier enqueue") != std::string::npos);
  CHECK(context->enqueueV3(stream) && cudaStreamSynchronize(stream) == cudaSuccess);  // reported once
  cudaStreamDestroy(stream);
  context.reset();
  cudaFreeHost(in);
  cudaFreeHost(out);
  unlink(onnx.c_str());
}

void NoCudaLeaks() {
  auto stats = reinterpret_cast<DynamicOfaStandinCudaStatsFn>(dlsym(RTLD_DEFAULT, "dynamicOfaStandinCudaStats"));
  if (stats == nullptr) return;  // a real CUDA runtime
  DynamicOfaStandinCudaStats before{};
  stats(&before);
  {
    Ptr<nvinfer1::IRuntime> runtime(NewRuntime());
    Ptr<nvinfer1::ICudaEngine> engine(Deserialize(*runtime, BuildPlan(kTiny)));
    CHECK(engine && RunEngine(*engine, Floats(768, 1)).size() == 10);
    Ptr<nvinfer1::IExecutionContext> context(engine->createExecutionContext());  // owns its activation memory
  }
  DynamicOfaStandinCudaStats after{};
  stats(&after);
  CHECK(after.deviceAllocations == before.deviceAllocations && after.hostAllocations == before.hostAllocations);
  CHECK(after.streams == before.streams && after.pendingOperations == 0);
}

}  // namespace

int main() {
  alarm(600);
  OrtLibrary();
  Run("corrupt, truncated, foreign, other-build and other-device plans", BadPlans);
  Run("timing cache", TimingCache);
  Run("engine queries, activation memory and the inspector", EngineQueriesAndInspector);
  Run("API misuse is logged", Misuse);
  Run("a run failing on the stream's thread", AsynchronousFailure);
  Run("no CUDA leaks", NoCudaLeaks);
  return Finish();
}
