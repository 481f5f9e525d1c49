// The stand-in TensorRT end to end through TensorRT's public API, as the addon drives it: parse, build, deserialize
// and run real sub-networks (engines/fashion-ofa/L*.onnx, test/fixtures/tiny-family/s*.onnx) on the GPU and on DLA
// cores 0 and 1 against ONNX Runtime run directly; DLA placement (loadables per sub-network from the inspector's
// LayerType), the 16-loadable limit per core across engines, the runtime's DLA core, dynamic shapes, stream ordering
// and CUDA graph capture.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <thread>

#include "tests/trt_test_onnx.h"
#include "tests/trt_test_util.h"

using namespace trt_test;

namespace {

const char* const kLevels[] = {"L0", "L1", "L2", "L3", "L4", "L5"};

int LoadableLimit() {
  const char* set = std::getenv("DYNAMIC_OFA_STANDIN_DLA_LOADABLES");
  return set != nullptr ? std::atoi(set) : 16;
}

int Occurrences(const std::string& text, const std::string& needle) {
  int count = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++count;
  return count;
}

std::vector<int64_t> InputShape(nvinfer1::ICudaEngine& engine) {
  const nvinfer1::Dims dims = engine.getTensorShape(engine.getIOTensorName(0));
  return std::vector<int64_t>(dims.d, dims.d + dims.nbDims);
}

// Builds `onnx` for `dlaCore` (-1 GPU), runs it on seeded input and compares with ONNX Runtime.
float CompareWithOrt(const std::string& onnx, int dlaCore, int runtimeCore = -2) {
  BuildOptions options;
  options.dlaCore = dlaCore;
  const std::vector<uint8_t> plan = BuildPlan(onnx, options);
  if (!CHECK_MSG(!plan.empty(), onnx + ": " + TheLogger().Since(0))) return 1e30f;
  Ptr<nvinfer1::IRuntime> runtime(NewRuntime());
  if (runtimeCore >= -1) runtime->setDLACore(runtimeCore);
  else if (dlaCore >= 0) runtime->setDLACore(dlaCore);
  Ptr<nvinfer1::ICudaEngine> engine(Deserialize(*runtime, plan));
  if (!CHECK(engine != nullptr)) return 1e30f;
  const std::vector<int64_t> shape = InputShape(*engine);
  size_t count = 1;
  for (int64_t d : shape) count *= static_cast<size_t>(d);
  float worst = 0;
  for (uint32_t seed = 1; seed <= 3; ++seed) {
    const std::vector<float> input = Floats(count, seed);
    std::string error;
    const std::vector<float> got = RunEngine(*engine, input, &error);
    const std::vector<float> want = OrtReference(ReadFile(onnx), input, shape, &error);
    CHECK_MSG(!got.empty() && !want.empty(), error);
    worst = std::max(worst, MaxAbsDiff(got, want));
  }
  return worst;
}

void OutputsMatchOnnxRuntime() {
  for (int core : {-1, 0, 1}) {
    for (const std::string& onnx : {Fixture("engines/fashion-ofa/L0.onnx"), Fixture("test/fixtures/tiny-family/s0.onnx")}) {
      const float diff = CompareWithOrt(onnx, core);
      std::printf("  max abs diff %-45s %s: %g\n", onnx.substr(onnx.rfind("/", onnx.rfind("/") - 1) + 1).c_str(),
                  core < 0 ? "gpu " : core == 0 ? "dla0" : "dla1", diff);
      CHECK_MSG(diff <= 1e-5f, onnx + " on core " + std::to_string(core));
    }
  }
}

// Loadables per sub-network from the engine inspector: LayerType "DLA" (a Myelin GPU region is a ForeignNode too).
void LoadablesPerSubNetwork() {
  std::vector<std::string> models;
  for (const char* level : kLevels) models.push_back(Fixture(std::string("engines/fashion-ofa/") + level + ".onnx"));
  for (int s = 0; s < 4; ++s) models.push_back(Fixture("test/fixtures/tiny-family/s" + std::to_string(s) + ".onnx"));
  const int tinyConvs[] = {5, 7, 9, 11};
  for (size_t m = 0; m < models.size(); ++m) {
    BuildOptions options;
    options.dlaCore = 0;
    const size_t mark = TheLogger().Mark();
    const std::vector<uint8_t> plan = BuildPlan(models[m], options);
    Ptr<nvinfer1::IRuntime> runtime(NewRuntime());
    runtime->setDLACore(1);  // core 1: nothing else resident there in this test
    Ptr<nvinfer1::ICudaEngine> engine(plan.empty() ? nullptr : Deserialize(*runtime, plan));
    if (!CHECK_MSG(engine != nullptr, models[m] + ": " + TheLogger().Since(mark))) continue;
    const std::string json = EngineJson(*engine);
    const int dla = CountLayerType(json, "DLA");
    const int myelin = CountLayerType(json, "Myelin");
    const int reformat = CountLayerType(json, "Reformat");
    const std::string warnings = TheLogger().Since(mark, nvinfer1::ILogger::Severity::kWARNING, false);
    std::printf("  %-24s DLA loadables %2d, Myelin regions %2d, reformats %2d; layers switched to the GPU: %d unsupported, %d past 16 subgraphs\n",
                models[m].substr(models[m].rfind('/', models[m].rfind('/') - 1) + 1).c_str(), dla, myelin, reformat,
                Occurrences(warnings, "Unsupported on DLA"), Occurrences(warnings, "DLA supports only"));
    CHECK(dla >= 1 && dla <= LoadableLimit());
    CHECK(reformat >= dla);
    if (m >= 6) CHECK_MSG(dla == tinyConvs[m - 6], "tiny s" + std::to_string(m - 6) + ": one loadable per Conv, got " + std::to_string(dla));
#if NV_TENSORRT_MAJOR < 10
    CHECK(TheLogger().CountInfo(mark, "[DlaLayer]") == dla);  // TensorRT 8 also logs placement
    CHECK(TheLogger().CountInfo(mark, "[GpuLayer]") > 0);
#endif
  }
  // GPU engines have no DLA layer; their Myelin region is still named {ForeignNode[...]}.
  const std::vector<uint8_t> plan = BuildPlan(Fixture("engines/fashion-ofa/L0.onnx"));
  Ptr<nvinfer1::IRuntime> runtime(NewRuntime());
  Ptr<nvinfer1::ICudaEngine> engine(Deserialize(*runtime, plan));
  const std::string json = engine ? EngineJson(*engine) : "";
  CHECK(CountLayerType(json, "DLA") == 0);
  CHECK(CountLayerType(json, "Myelin") == 1 && json.find("{ForeignNode[") != std::string::npos);
  CHECK(json.rfind("{\"Layers\":[", 0) == 0 && json.find("\"Bindings\":[\"input\",\"logits\"]") != std::string::npos);
}

void LoadableLimitAcrossEngines() {
  const std::vector<uint8_t> s3 = BuildPlan(Fixture("test/fixtures/tiny-family/s3.onnx"), OnDla(0));  // 11 loadables
  const std::vector<uint8_t> s1 = BuildPlan(Fixture("test/fixtures/tiny-family/s1.onnx"), OnDla(0));  // 7
  Ptr<nvinfer1::IRuntime> core0(NewRuntime());
  Ptr<nvinfer1::IRuntime> core1(NewRuntime());
  core0->setDLACore(0);
  core1->setDLACore(1);
  Ptr<nvinfer1::ICudaEngine> big(Deserialize(*core0, s3));
  CHECK(big != nullptr);
  size_t mark = TheLogger().Mark();
  Ptr<nvinfer1::ICudaEngine> refused(Deserialize(*core0, s1));  // 11 + 7 > 16
  CHECK(refused == nullptr);
  CHECK_MSG(TheLogger().Since(mark).find("DLA core 0 holds at most 16 loadables") != std::string::npos, TheLogger().Since(mark));
  Ptr<nvinfer1::ICudaEngine> other(Deserialize(*core1, s1));  // the other core is unaffected
  CHECK(other != nullptr);
  big.reset();  // destroying an engine releases its loadables
  Ptr<nvinfer1::ICudaEngine> now(Deserialize(*core0, s1));
  CHECK(now != nullptr);
  // A plan built for core 0 runs on the runtime's core: core 1 now holds 7 + 7, a third s1 exceeds it.
  Ptr<nvinfer1::ICudaEngine> second(Deserialize(*core1, s1));
  CHECK(second != nullptr);
  mark = TheLogger().Mark();
  Ptr<nvinfer1::ICudaEngine> third(Deserialize(*core1, s1));
  CHECK(third == nullptr && TheLogger().Since(mark).find("DLA core 1") != std::string::npos);
  // A runtime core that does not exist: setDLACore logs, the DLA plan does not deserialize; GPU plans still do.
  Ptr<nvinfer1::IRuntime> missing(NewRuntime());
  mark = TheLogger().Mark();
  missing->setDLACore(2);
  CHECK(!TheLogger().Since(mark).empty());
  CHECK(Deserialize(*missing, s1) == nullptr);
  Ptr<nvinfer1::ICudaEngine> gpu(Deserialize(*missing, BuildPlan(Fixture("test/fixtures/tiny-family/s0.onnx"))));
  CHECK(gpu != nullptr);
}

// What the builder refuses, as TensorRT does (nullptr and the reason logged), and fp32 on DLA with fallback.
void BuilderRefusals() {
  const std::string tiny = Fixture("test/fixtures/tiny-family/s0.onnx");
  auto refused = [&](BuildOptions options, const std::string& expected) {
    const size_t mark = TheLogger().Mark();
    return CHECK_MSG(BuildPlan(tiny, options).empty() && TheLogger().Since(mark).find(expected) != std::string::npos,
                     expected + " | logged: " + TheLogger().Since(mark));
  };
  refused(OnDla(2), "DLA core 2 is not available");
  BuildOptions noFallback = OnDla(0);
  noFallback.gpuFallback = false;
  refused(noFallback, "Layer 'HardSwish_1' (ACTIVATION): Unsupported on DLA, and GPU fallback is not enabled");
  BuildOptions fp32 = OnDla(0);
  fp32.fp16 = false;
  fp32.gpuFallback = false;
  refused(fp32, "DLA only supports FP16 and Int8 precision type");
  fp32.gpuFallback = true;  // every layer moves to the GPU: an engine without DLA layers
  const size_t mark = TheLogger().Mark();
  Ptr<nvinfer1::IRuntime> runtime(NewRuntime());
  Ptr<nvinfer1::ICudaEngine> engine(Deserialize(*runtime, BuildPlan(tiny, fp32)));
  CHECK(engine && CountLayerType(EngineJson(*engine), "DLA") == 0);
  CHECK(TheLogger().Since(mark, nvinfer1::ILogger::Severity::kWARNING, false).find("Switching this layer's device type to GPU") != std::string::npos);
}

// A dynamic batch: no profile -> the build fails; with min = opt = max it builds, and shapes resolve once set.
void DynamicBatch() {
  const std::string onnx = WriteTemp(Model({Node("Relu", {"x"}, {"r"}), Node("GlobalAveragePool", {"r"}, {"y"})}, ValueInfo("x", {-1, 3, 8, 8}),
                                           ValueInfo("y", {-1, 3, 1, 1})), "dynamic.onnx");
  size_t mark = TheLogger().Mark();
  CHECK(BuildPlan(onnx).empty());
  CHECK_MSG(TheLogger().Since(mark).find("no optimization profile has been defined") != std::string::npos, TheLogger().Since(mark));
  BuildOptions options;
  options.profile = {2, 3, 8, 8};
  const std::vector<uint8_t> plan = BuildPlan(onnx, options);
  Ptr<nvinfer1::IRuntime> runtime(NewRuntime());
  Ptr<nvinfer1::ICudaEngine> engine(plan.empty() ? nullptr : Deserialize(*runtime, plan));
  if (!CHECK(engine != nullptr)) return;
  CHECK(engine->getTensorShape("x").d[0] == -1 && engine->getTensorShape("y").d[0] == -1);
  CHECK(engine->getProfileShape("x", 0, nvinfer1::OptProfileSelector::kMAX).d[0] == 2);
  Ptr<nvinfer1::IExecutionContext> context(engine->createExecutionContext());
  nvinfer1::Dims dims = engine->getProfileShape("x", 0, nvinfer1::OptProfileSelector::kOPT);
  CHECK(!context->allInputDimensionsSpecified());
  dims.d[0] = 3;
  mark = TheLogger().Mark();
  CHECK(!context->setInputShape("x", dims) && !TheLogger().Since(mark).empty());  // outside min..max
  dims.d[0] = 2;
  CHECK(context->setInputShape("x", dims) && context->allInputDimensionsSpecified());
  CHECK(context->getTensorShape("y").d[0] == 2 && context->getTensorShape("y").nbDims == 4);
  void *in = nullptr, *out = nullptr;
  cudaMalloc(&in, 2 * 3 * 64 * 4);
  cudaMalloc(&out, 6 * 4);
  const std::vector<float> input = Floats(2 * 3 * 64, 9);
  cudaMemcpy(in, input.data(), input.size() * 4, cudaMemcpyHostToDevice);
  cudaStream_t stream = nullptr;
  cudaStreamCreate(&stream);
  CHECK(context->setTensorAddress("x", in) && context->setTensorAddress("y", out) && context->enqueueV3(stream));
  CHECK(cudaStreamSynchronize(stream) == cudaSuccess);
  std::vector<float> got(6);
  cudaMemcpy(got.data(), out, 24, cudaMemcpyDeviceToHost);
  std::string error;
  CHECK_MSG(MaxAbsDiff(got, OrtReference(ReadFile(onnx), input, {2, 3, 8, 8}, &error)) <= 1e-6f, error);
  cudaStreamDestroy(stream);
  cudaFree(in);
  cudaFree(out);
  unlink(onnx.c_str());
}

std::atomic<bool> released{false};
void HoldStream(void*) {
  while (!released.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

// enqueueV3 queues the work: nothing is written before the stream gets there, everything is after a sync; a capture
// records it for cudaGraphLaunch; an engine with DLA layers refuses capture.
void StreamOrderingAndCapture() {
  const std::string onnx = Fixture("test/fixtures/tiny-family/s0.onnx");
  Ptr<nvinfer1::IRuntime> runtime(NewRuntime());
  Ptr<nvinfer1::ICudaEngine> engine(Deserialize(*runtime, BuildPlan(onnx)));
  if (!CHECK(engine != nullptr)) return;
  Ptr<nvinfer1::IExecutionContext> context(engine->createExecutionContext());
  float *in = nullptr, *out = nullptr;
  cudaHostAlloc(reinterpret_cast<void**>(&in), 3 * 16 * 16 * 4, cudaHostAllocMapped);
  cudaHostAlloc(reinterpret_cast<void**>(&out), 10 * 4, cudaHostAllocMapped);
  std::fill_n(out, 10, -12345.0f);
  std::vector<float> input = Floats(3 * 16 * 16, 4);
  std::copy(input.begin(), input.end(), in);
  cudaStream_t stream = nullptr;
  cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking);
  context->setTensorAddress("input", in);
  context->setTensorAddress("logits", out);
  released = false;
  cudaLaunchHostFunc(stream, HoldStream, nullptr);
  CHECK(context->enqueueV3(stream));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK(out[0] == -12345.0f);  // nothing ran on the calling thread
  released = true;
  cudaStreamSynchronize(stream);
  std::string error;
  CHECK(MaxAbsDiff(std::vector<float>(out, out + 10), OrtReference(ReadFile(onnx), input, {1, 3, 16, 16}, &error)) <= 1e-5f);
  // Capture, then replay on a new input.
  cudaGraph_t graph = nullptr;
  cudaGraphExec_t exec = nullptr;
  CHECK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal) == cudaSuccess);
  CHECK(context->enqueueV3(stream));
  CHECK(cudaStreamEndCapture(stream, &graph) == cudaSuccess && graph != nullptr);
  CHECK(cudaGraphInstantiateWithFlags(&exec, graph, 0) == cudaSuccess);
  input = Floats(input.size(), 5);
  std::copy(input.begin(), input.end(), in);
  std::fill_n(out, 10, -1.0f);
  CHECK(cudaGraphLaunch(exec, stream) == cudaSuccess && cudaStreamSynchronize(stream) == cudaSuccess);
  CHECK(MaxAbsDiff(std::vector<float>(out, out + 10), OrtReference(ReadFile(onnx), input, {1, 3, 16, 16}, &error)) <= 1e-5f);
  cudaGraphExecDestroy(exec);
  cudaGraphDestroy(graph);
  // DLA engines are not captured.
  Ptr<nvinfer1::IRuntime> dlaRuntime(NewRuntime());
  dlaRuntime->setDLACore(1);
  Ptr<nvinfer1::ICudaEngine> dla(Deserialize(*dlaRuntime, BuildPlan(onnx, OnDla(1))));
  Ptr<nvinfer1::IExecutionContext> dlaContext(dla ? dla->createExecutionContext() : nullptr);
  if (CHECK(dlaContext != nullptr)) {
    dlaContext->setTensorAddress("input", in);
    dlaContext->setTensorAddress("logits", out);
    cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal);
    const size_t mark = TheLogger().Mark();
    CHECK(!dlaContext->enqueueV3(stream) && !TheLogger().Since(mark).empty());
    cudaStreamEndCapture(stream, &graph);
    if (graph != nullptr) cudaGraphDestroy(graph);
    static_cast<void>(cudaGetLastError());
  }
  cudaStreamDestroy(stream);
  dlaContext.reset();
  context.reset();
  cudaFreeHost(in);
  cudaFreeHost(out);
}

}  // namespace

int main() {
  alarm(600);
  OrtLibrary();
  Run("outputs match ONNX Runtime (L0 and tiny s0; gpu, dla0, dla1)", OutputsMatchOnnxRuntime);
  Run("DLA loadables per sub-network", LoadablesPerSubNetwork);
  Run("16 loadables per core across engines; the runtime's core", LoadableLimitAcrossEngines);
  Run("builder refusals", BuilderRefusals);
  Run("dynamic batch and optimization profiles", DynamicBatch);
  Run("stream ordering and CUDA graph capture", StreamOrderingAndCapture);
  return Finish();
}
