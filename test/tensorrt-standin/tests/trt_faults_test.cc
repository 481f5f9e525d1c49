// What depends on the environment, each case in a child process (the stand-in reads its environment once): injected
// faults at every TensorRT call the addon makes fail that call as TensorRT does (nullptr/false and an error logged)
// and the next call works; a lost device fails everything after it; a discrete device has no DLA and refuses a
// Jetson's plans and timing cache; reported versions follow DYNAMIC_OFA_STANDIN_*_VERSION; DYNAMIC_OFA_STANDIN_SPEED
// stretches DLA runs; without ONNX Runtime deserialization names the variable to set. Also: one logger per process.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <map>

#include "tests/trt_test_onnx.h"
#include "tests/trt_test_util.h"

extern char** environ;

using namespace trt_test;

namespace {

const std::string kTiny = Fixture("test/fixtures/tiny-family/s0.onnx");

// ---- child side: prints "key=value" lines ----

void Say(const std::string& key, const std::string& value) { std::printf("%s=%s\n", key.c_str(), value.c_str()); }
void Say(const std::string& key, bool value) { Say(key, std::string(value ? "1" : "0")); }

// The addon's calls in order; each step says whether it worked and whether it logged an error.
void Flow() {
  auto step = [](const char* name, bool ok, size_t mark) {
    Say(name, ok);
    Say(std::string(name) + ".logged", !TheLogger().Since(mark).empty());
    return ok;
  };
  size_t mark = TheLogger().Mark();
  std::vector<uint8_t> plan = BuildPlan(kTiny);
  if (!step("build", !plan.empty(), mark)) plan = BuildPlan(kTiny);  // a transient fault: the next build works
  mark = TheLogger().Mark();
  Ptr<nvinfer1::IRuntime> runtime(NewRuntime());
  if (!step("runtime", runtime != nullptr, mark)) runtime.reset(NewRuntime());
  if (!runtime) return;
  {
    mark = TheLogger().Mark();
    Ptr<nvinfer1::IBuilder> builder(NewBuilder());
    Ptr<nvinfer1::IBuilderConfig> config(builder ? builder->createBuilderConfig() : nullptr);
    Ptr<nvinfer1::ITimingCache> cache(config ? config->createTimingCache(nullptr, 0) : nullptr);
    step("timingCache", cache != nullptr, mark);
  }
  mark = TheLogger().Mark();
  Ptr<nvinfer1::ICudaEngine> engine(Deserialize(*runtime, plan));
  if (!step("deserialize", engine != nullptr, mark)) engine.reset(Deserialize(*runtime, plan));
  if (!engine) return;
  mark = TheLogger().Mark();
  Ptr<nvinfer1::IExecutionContext> context(engine->createExecutionContext());
  if (!step("context", context != nullptr, mark)) context.reset(engine->createExecutionContext());
  if (!context) return;
  float *in = nullptr, *out = nullptr;
  cudaHostAlloc(reinterpret_cast<void**>(&in), 3072, cudaHostAllocMapped);
  cudaHostAlloc(reinterpret_cast<void**>(&out), 256, cudaHostAllocMapped);
  cudaStream_t stream = nullptr;
  cudaStreamCreate(&stream);
  mark = TheLogger().Mark();
  step("shape", context->setInputShape("input", engine->getTensorShape("input")), mark);
  mark = TheLogger().Mark();
  step("address", context->setTensorAddress("input", in) && context->setTensorAddress("logits", out), mark);
  context->setTensorAddress("input", in);
  context->setTensorAddress("logits", out);
  for (const char* name : {"enqueue1", "enqueue2"}) {
    mark = TheLogger().Mark();
    step(name, context->enqueueV3(stream) && cudaStreamSynchronize(stream) == cudaSuccess, mark);
  }
  mark = TheLogger().Mark();
  Ptr<nvinfer1::IEngineInspector> inspector(engine->createEngineInspector());
  step("inspect", inspector && inspector->getEngineInformation(nvinfer1::LayerInformationFormat::kJSON) != nullptr, mark);
  mark = TheLogger().Mark();
  Ptr<nvinfer1::IHostMemory> serialized(engine->serialize());
  step("serialize", serialized != nullptr, mark);
  mark = TheLogger().Mark();
  Ptr<nvinfer1::ICudaEngine> another(Deserialize(*runtime, plan));
  step("deserialize.again", another != nullptr, mark);
  cudaStreamDestroy(stream);
  context.reset();
  cudaFreeHost(in);
  cudaFreeHost(out);
}

// DYNAMIC_OFA_STANDIN_DEVICE=discrete, given a Jetson's plan and timing cache in files.
void Discrete() {
  Ptr<nvinfer1::IBuilder> builder(NewBuilder());
  Say("dlaCores", std::to_string(builder->getNbDLACores()));
  Ptr<nvinfer1::IRuntime> runtime(NewRuntime());
  size_t mark = TheLogger().Mark();
  const std::vector<uint8_t> plan = ReadFile(std::getenv("TRT_TEST_PLAN"));
  Say("jetsonPlan", Deserialize(*runtime, plan) != nullptr);
  Say("jetsonPlan.error", TheLogger().Since(mark).find("incompatible device") != std::string::npos);
  Ptr<nvinfer1::IBuilderConfig> config(builder->createBuilderConfig());
  const std::vector<uint8_t> blob = ReadFile(std::getenv("TRT_TEST_TIMING_CACHE"));
  Ptr<nvinfer1::ITimingCache> cache(config->createTimingCache(blob.data(), blob.size()));
  Say("cacheCreated", cache != nullptr);
  mark = TheLogger().Mark();
  Say("cacheStrict", cache && config->setTimingCache(*cache, false));
  Say("cacheStrict.error", !TheLogger().Since(mark).empty());
  Say("cacheIgnoringMismatch", cache && config->setTimingCache(*cache, true));
  mark = TheLogger().Mark();
  Say("dlaBuild", !BuildPlan(kTiny, OnDla(0)).empty());
  Say("dlaBuild.error", TheLogger().Since(mark).find("DLA is not available") != std::string::npos);
  Say("gpuBuild", !BuildPlan(kTiny).empty());
}

void Versions() {
  Say("infer", std::to_string(getInferLibVersion()));
  Say("parser", std::to_string(getNvOnnxParserVersion()));
#if NV_TENSORRT_MAJOR >= 10
  Say("build", std::to_string(getInferLibBuildVersion()));
#endif
  const size_t mark = TheLogger().Mark();
  Ptr<nvinfer1::IRuntime> runtime(NewRuntime());
  Say("runtime", runtime != nullptr);
  Say("runtime.error", TheLogger().Since(mark));
  if (runtime) Say("plan", Deserialize(*runtime, ReadFile(std::getenv("TRT_TEST_PLAN"))) != nullptr);
  Say("plan.error", TheLogger().Since(mark));
}

// Median-free timing: the total of 12 runs of one context.
double RunMs(nvinfer1::ICudaEngine& engine) {
  Ptr<nvinfer1::IExecutionContext> context(engine.createExecutionContext());
  void *in = nullptr, *out = nullptr;
  cudaMalloc(&in, Volume(engine.getTensorShape(engine.getIOTensorName(0))) * 4);
  cudaMalloc(&out, 4096);
  cudaStream_t stream = nullptr;
  cudaStreamCreate(&stream);
  context->setTensorAddress(engine.getIOTensorName(0), in);
  context->setTensorAddress(engine.getIOTensorName(1), out);
  context->enqueueV3(stream);
  cudaStreamSynchronize(stream);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 12; ++i) context->enqueueV3(stream);
  cudaStreamSynchronize(stream);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  cudaStreamDestroy(stream);
  cudaFree(in);
  cudaFree(out);
  return ms;
}

void Speed() {
  const std::string slow = Fixture("test/fixtures/slow-family/slow.onnx");
  Ptr<nvinfer1::IRuntime> runtime(NewRuntime());
  Ptr<nvinfer1::ICudaEngine> gpu(Deserialize(*runtime, BuildPlan(slow)));
  Ptr<nvinfer1::ICudaEngine> dla(Deserialize(*runtime, BuildPlan(slow, OnDla(0))));
  if (!gpu || !dla) return Say("speed", std::string("engines missing: ") + TheLogger().Since(0));
  Say("gpuMs", std::to_string(RunMs(*gpu)));
  Say("dlaMs", std::to_string(RunMs(*dla)));
}

void NoOrt() {
  Ptr<nvinfer1::IRuntime> runtime(NewRuntime());
  const std::vector<uint8_t> plan = BuildPlan(kTiny);
  const size_t mark = TheLogger().Mark();
  Say("engine", Deserialize(*runtime, plan) != nullptr);
  Say("error", TheLogger().Since(mark).find("DYNAMIC_OFA_STANDIN_ORT_LIBRARY") != std::string::npos);
}

// ---- parent side ----

// Runs this program as `child <scenario>` with `env` added; returns its key=value lines, "status" its exit status.
std::map<std::string, std::string> Child(const std::string& scenario, const std::vector<std::string>& env) {
  std::vector<std::string> variables(env);
  for (char** e = environ; *e != nullptr; ++e) variables.emplace_back(*e);
  std::vector<char*> envp;
  for (std::string& v : variables) envp.push_back(&v[0]);
  envp.push_back(nullptr);
  const std::string self = "/proc/self/exe";
  std::string childArg = "child";
  std::string scenarioArg = scenario;
  char* argv[] = {&childArg[0], &childArg[0], &scenarioArg[0], nullptr};
  const std::string output = "/tmp/trt-faults-" + std::to_string(getpid()) + ".out";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t pid = 0;
  std::map<std::string, std::string> result;
  int status = -1;
  if (posix_spawn(&pid, self.c_str(), &actions, nullptr, argv, envp.data()) == 0) waitpid(pid, &status, 0);
  posix_spawn_file_actions_destroy(&actions);
  std::ifstream in(output);
  for (std::string line; std::getline(in, line);) {
    const size_t eq = line.find('=');
    if (eq != std::string::npos) result[line.substr(0, eq)] = line.substr(eq + 1);
  }
  unlink(output.c_str());
  result["status"] = std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  return result;
}

void Faults() {
  // rule -> the step whose call fails (once), the others keep working.
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"createInferBuilder@1", "build"},     {"createNetworkV2@1", "build"},       {"createParser@1", "build"},
      {"parseFromFile@1", "build"},          {"createBuilderConfig@1", "build"},   {"buildSerializedNetwork@1", "build"},
      {"createInferRuntime@1", "runtime"},   {"createTimingCache@1", "timingCache"},
      {"deserializeCudaEngine@1", "deserialize"}, {"createExecutionContext@1", "context"}, {"setInputShape@1", "shape"},
      {"setTensorAddress@1", "address"},     {"enqueueV3@1", "enqueue1"},          {"createEngineInspector@1", "inspect"},
      {"getEngineInformation@1", "inspect"}, {"serialize@1", "serialize"},
  };
  for (const auto& c : cases) {
    auto r = Child("flow", {"DYNAMIC_OFA_STANDIN_FAULTS=" + c.first});
    CHECK_MSG(r["status"] == "0", c.first + " crashed or failed: status " + r["status"]);
    CHECK_MSG(r[c.second] == "0" && r[c.second + ".logged"] == "1", c.first + ": " + c.second + " should fail with an error logged");
    for (const char* other : {"enqueue2", "deserialize.again"}) CHECK_MSG(r[other] == "1", c.first + ": " + other + " should work");
  }
  // A lost device: the enqueue and everything after it fail, nothing crashes.
  auto lost = Child("flow", {"DYNAMIC_OFA_STANDIN_FAULTS=enqueueV3@1!"});
  CHECK(lost["status"] == "0" && lost["enqueue1"] == "0" && lost["enqueue2"] == "0" && lost["deserialize.again"] == "0" && lost["deserialize.again.logged"] == "1");
}

void DiscreteDevice() {
  const std::string plan = WriteTemp(BuildPlan(kTiny), "jetson.plan");
  Ptr<nvinfer1::IBuilder> builder(NewBuilder());
  Ptr<nvinfer1::IBuilderConfig> config(builder->createBuilderConfig());
  Ptr<nvinfer1::ITimingCache> cache(config->createTimingCache(nullptr, 0));
  Ptr<nvinfer1::IHostMemory> blob(cache->serialize());
  const std::string cacheFile = WriteTemp(std::vector<uint8_t>(static_cast<uint8_t*>(blob->data()), static_cast<uint8_t*>(blob->data()) + blob->size()), "jetson.cache");
  auto r = Child("discrete", {"DYNAMIC_OFA_STANDIN_DEVICE=discrete", "TRT_TEST_PLAN=" + plan, "TRT_TEST_TIMING_CACHE=" + cacheFile});
  CHECK(r["status"] == "0" && r["dlaCores"] == "0");
  CHECK(r["jetsonPlan"] == "0" && r["jetsonPlan.error"] == "1");
  CHECK(r["cacheCreated"] == "1" && r["cacheStrict"] == "0" && r["cacheStrict.error"] == "1" && r["cacheIgnoringMismatch"] == "1");
  CHECK(r["dlaBuild"] == "0" && r["dlaBuild.error"] == "1" && r["gpuBuild"] == "1");
  // Another build of the same version: the plan is refused naming both versions.
  const int major = NV_TENSORRT_MAJOR;
  const std::string other = std::to_string(major) + "." + std::to_string(NV_TENSORRT_MINOR) + "." + std::to_string(NV_TENSORRT_PATCH) + ".9999";
  auto v = Child("versions", {"DYNAMIC_OFA_STANDIN_TENSORRT_VERSION=" + other, "DYNAMIC_OFA_STANDIN_PARSER_VERSION=9.8.7", "TRT_TEST_PLAN=" + plan});
  CHECK(v["infer"] == std::to_string(NV_TENSORRT_VERSION) && v["parser"] == "90807");
#if NV_TENSORRT_MAJOR >= 10
  CHECK(v["build"] == "9999");
#endif
  CHECK_MSG(v["runtime"] == "1" && v["plan"] == "0" && v["plan.error"].find("expecting library version " + other) != std::string::npos, v["plan.error"]);
  // A library of another major refuses the application's headers.
  auto m = Child("versions", {"DYNAMIC_OFA_STANDIN_TENSORRT_VERSION=" + std::to_string(major == 8 ? 10 : 8) + ".0.0.1", "TRT_TEST_PLAN=" + plan});
  CHECK(m["runtime"] == "0" && m["runtime.error"].find("another major") != std::string::npos);
  unlink(plan.c_str());
  unlink(cacheFile.c_str());
}

void SpeedAndOrt() {
  auto r = Child("speed", {"DYNAMIC_OFA_STANDIN_SPEED=gpu=1,dla=4"});
  const double gpu = std::atof(r["gpuMs"].c_str());
  const double dla = std::atof(r["dlaMs"].c_str());
  std::printf("  12 runs of slow.onnx with gpu=1,dla=4: gpu %.1f ms, dla %.1f ms\n", gpu, dla);
  CHECK_MSG(gpu > 0 && dla > 2 * gpu, r["speed"]);
  auto n = Child("no-ort", {"DYNAMIC_OFA_STANDIN_ORT_LIBRARY=", "DYNAMIC_OFA_ORT_LIBRARY="});
  CHECK(n["status"] == "0" && n["engine"] == "0" && n["error"] == "1");
}

// The first logger stays; another one passed later only earns a warning through the first.
void OneLogger() {
  Ptr<nvinfer1::IRuntime> first(NewRuntime());  // adopts TheLogger() (if nothing did before)
  Logger other;
  const size_t mark = TheLogger().Mark();
  Ptr<nvinfer1::IRuntime> runtime(static_cast<nvinfer1::IRuntime*>(createInferRuntime_INTERNAL(&other, NV_TENSORRT_VERSION)));
  CHECK(runtime != nullptr && runtime->getLogger() == &TheLogger());
  CHECK(TheLogger().Since(mark, nvinfer1::ILogger::Severity::kWARNING).find("single logger") != std::string::npos);
  CHECK(other.Since(0, nvinfer1::ILogger::Severity::kVERBOSE).empty());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "child") {
    const std::string scenario = argv[2];
    if (scenario != "no-ort") OrtLibrary();
    if (scenario == "flow") Flow();
    if (scenario == "discrete") Discrete();
    if (scenario == "versions") Versions();
    if (scenario == "speed") Speed();
    if (scenario == "no-ort") NoOrt();
    std::fflush(stdout);
    return 0;
  }
  alarm(600);
  OrtLibrary();
  Run("one logger per process", OneLogger);
  Run("injected faults at each TensorRT call; a lost device", Faults);
  Run("a discrete device; other versions", DiscreteDevice);
  Run("DYNAMIC_OFA_STANDIN_SPEED; no ONNX Runtime", SpeedAndOrt);
  return Finish();
}
