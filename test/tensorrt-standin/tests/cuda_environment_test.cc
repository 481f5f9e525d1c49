// What the stand-in CUDA runtime reads from its environment once per process (the device, the version, fault
// rules) and what happens only once per process (the context, exit). Each scenario runs in a child process, this
// program again with the scenario's name and environment.
#include <spawn.h>
#include <sys/wait.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/cuda_test_util.h"

extern char** environ;

using namespace cuda_test;

namespace {

void CUDART_CB Increment(void* data) { ++*static_cast<std::atomic<int>*>(data); }
void CUDART_CB Sleep50(void*) { SleepMs(50); }

bool StartsWith(const char* text, const char* prefix) { return std::strncmp(text, prefix, std::strlen(prefix)) == 0; }

void NoDevice() {
  int count = -1;
  CHECK_CUDA(cudaGetDeviceCount(&count), cudaErrorNoDevice);
  CHECK(count == 0);
  int device = -1;
  CHECK_CUDA(cudaGetDevice(&device), cudaErrorNoDevice);
  void* pointer = nullptr;
  CHECK_CUDA(cudaMalloc(&pointer, 16), cudaErrorNoDevice);
  cudaStream_t stream = nullptr;
  CHECK_CUDA(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), cudaErrorNoDevice);
  CHECK_CUDA(cudaGetLastError(), cudaErrorNoDevice);
  int version = 0;
  CHECK_OK(cudaRuntimeGetVersion(&version));  // the runtime loads and reports its version without a device
  CHECK(version == CUDART_VERSION);
  CHECK_OK(cudaDriverGetVersion(&version));
  CHECK(version == 0);  // as without a driver
  CHECK(Stats().contextCreated == 0);
}

void CheckDevice(const char* name, int integrated, int major, int minor, int processors, size_t gib) {
  int count = 0;
  CHECK_OK(cudaGetDeviceCount(&count));
  CHECK(count == 1);
  cudaDeviceProp properties;
  std::memset(&properties, 0x5A, sizeof(properties));
  CHECK_OK(cudaGetDeviceProperties(&properties, 0));
  CHECK(std::strcmp(properties.name, name) == 0 && StartsWith(properties.name, "dynamic-ofa stand-in"));
  CHECK(properties.integrated == integrated && properties.canMapHostMemory == 1);
  CHECK(properties.major == major && properties.minor == minor && properties.multiProcessorCount == processors);
  CHECK(properties.totalGlobalMem == (size_t{gib} << 30) && properties.warpSize == 32 && properties.unifiedAddressing == 1);
  CHECK(properties.tccDriver == 0 && properties.kernelExecTimeoutEnabled == 0);  // the rest is zeroed
  CHECK_CUDA(cudaGetDeviceProperties(&properties, 1), cudaErrorInvalidDevice);
  CHECK_CUDA(cudaSetDevice(1), cudaErrorInvalidDevice);
  int device = -1;
  CHECK_OK(cudaGetDevice(&device));
  CHECK(device == 0);
  CHECK(Stats().contextCreated == 0);  // queries do not create the context
}

void XavierNx() {
  CheckDevice("dynamic-ofa stand-in GPU (Xavier NX-like, integrated; runs on the CPU)", 1, 7, 2, 6, 8);
  int runtime = 0, driver = 0;
  CHECK_OK(cudaRuntimeGetVersion(&runtime));
  CHECK_OK(cudaDriverGetVersion(&driver));
  CHECK(runtime == CUDART_VERSION && driver > runtime && driver / 1000 == runtime / 1000);
}

void Discrete() { CheckDevice("dynamic-ofa stand-in GPU (discrete; runs on the CPU)", 0, 9, 0, 132, 80); }

void VersionOverride() {
  int runtime = 0, driver = 0;
  CHECK_OK(cudaRuntimeGetVersion(&runtime));
  CHECK_OK(cudaDriverGetVersion(&driver));
  CHECK(runtime == 11040 && driver == 11050);
}

// Flags count until the context exists: queries do not create it, an allocation (or cudaFree(nullptr)) does.
void DeviceFlags(bool contextByFree) {
  CHECK_CUDA(cudaSetDeviceFlags(0x100), cudaErrorInvalidValue);
  CHECK_CUDA(cudaSetDeviceFlags(cudaDeviceScheduleSpin | cudaDeviceScheduleYield), cudaErrorInvalidValue);
  CHECK_OK(cudaSetDeviceFlags(cudaDeviceScheduleSpin));
  int count = 0;
  cudaDeviceProp properties;
  CHECK_OK(cudaGetDeviceCount(&count));
  CHECK_OK(cudaGetDeviceProperties(&properties, 0));
  CHECK_OK(cudaSetDeviceFlags(cudaDeviceScheduleBlockingSync | cudaDeviceMapHost));
  CHECK(Stats().contextCreated == 0 && Stats().deviceFlags == (cudaDeviceScheduleBlockingSync | cudaDeviceMapHost));
  void* pointer = nullptr;
  CHECK_OK(contextByFree ? cudaFree(nullptr) : cudaMalloc(&pointer, 16));
  CHECK(Stats().contextCreated == 1);
  CHECK_CUDA(cudaSetDeviceFlags(cudaDeviceScheduleSpin), cudaErrorSetOnActiveProcess);
  CHECK(Stats().deviceFlags == (cudaDeviceScheduleBlockingSync | cudaDeviceMapHost));
  CHECK_OK(cudaFree(pointer));
}

// DYNAMIC_OFA_STANDIN_FAULTS=cudaMalloc@2,cudaStreamCreateWithFlags@2+,cudaFree@1,cudaEventDestroy@1
void Faults() {
  void* first = nullptr;
  void* second = nullptr;
  CHECK_OK(cudaMalloc(&first, 16));
  CHECK_CUDA(cudaMalloc(&second, 16), cudaErrorMemoryAllocation);
  CHECK_CUDA(cudaGetLastError(), cudaErrorMemoryAllocation);
  CHECK_OK(cudaGetLastError());
  CHECK_OK(cudaMalloc(&second, 16));  // once only
  cudaStream_t streams[3] = {};
  CHECK_OK(cudaStreamCreateWithFlags(&streams[0], cudaStreamNonBlocking));
  CHECK_CUDA(cudaStreamCreateWithFlags(&streams[1], cudaStreamNonBlocking), cudaErrorMemoryAllocation);
  CHECK_CUDA(cudaStreamCreateWithFlags(&streams[2], cudaStreamNonBlocking), cudaErrorMemoryAllocation);  // from then on
  CHECK_OK(cudaStreamDestroy(streams[0]));
  // A failing release still releases: the error reports earlier work, as CUDA's do.
  cudaEvent_t event = nullptr;
  CHECK_OK(cudaEventCreate(&event));
  CHECK_CUDA(cudaEventDestroy(event), cudaErrorLaunchFailure);
  CHECK_CUDA(cudaFree(first), cudaErrorLaunchFailure);
  CHECK_OK(cudaFree(second));
  CHECK(Stats().faultsInjected == 5);
  CHECK(NoLeaks());
}

// DYNAMIC_OFA_STANDIN_FAULTS=cudaDeviceSynchronize@1!: the device is lost with work queued.
void DeviceLost() {
  cudaStream_t stream = nullptr;
  cudaEvent_t event = nullptr;
  void *device = nullptr, *host = nullptr;
  cudaGraph_t graph = nullptr;
  cudaGraphExec_t exec = nullptr;
  std::atomic<int> calls{0};
  CHECK_OK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  CHECK_OK(cudaEventCreate(&event));
  CHECK_OK(cudaMalloc(&device, 64));
  CHECK_OK(cudaHostAlloc(&host, 64, cudaHostAllocMapped));
  CHECK_OK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
  CHECK_OK(cudaLaunchHostFunc(stream, Increment, &calls));
  CHECK_OK(cudaStreamEndCapture(stream, &graph));
  CHECK_OK(cudaGraphInstantiateWithFlags(&exec, graph, 0));
  CHECK_OK(cudaLaunchHostFunc(stream, Sleep50, nullptr));
  CHECK_OK(cudaLaunchHostFunc(stream, Increment, &calls));  // queued before the loss, reached after it
  CHECK_CUDA(cudaDeviceSynchronize(), cudaErrorDevicesUnavailable);
  CHECK_CUDA(cudaLaunchHostFunc(stream, Increment, &calls), cudaErrorDevicesUnavailable);
  CHECK_CUDA(cudaGraphLaunch(exec, stream), cudaErrorDevicesUnavailable);
  void* more = nullptr;
  CHECK_CUDA(cudaMalloc(&more, 16), cudaErrorDevicesUnavailable);
  int count = 0;
  CHECK_CUDA(cudaGetDeviceCount(&count), cudaErrorDevicesUnavailable);
  CHECK_CUDA(cudaGetLastError(), cudaErrorDevicesUnavailable);
  CHECK_CUDA(cudaGetLastError(), cudaErrorDevicesUnavailable);  // sticky
  CHECK_CUDA(cudaPeekAtLastError(), cudaErrorDevicesUnavailable);
  CHECK_CUDA(cudaStreamSynchronize(stream), cudaErrorDevicesUnavailable);
  // Everything can still be released.
  CHECK_CUDA(cudaGraphExecDestroy(exec), cudaErrorDevicesUnavailable);
  CHECK_CUDA(cudaGraphDestroy(graph), cudaErrorDevicesUnavailable);
  CHECK_CUDA(cudaEventDestroy(event), cudaErrorDevicesUnavailable);
  CHECK_CUDA(cudaStreamDestroy(stream), cudaErrorDevicesUnavailable);
  CHECK_CUDA(cudaFree(device), cudaErrorDevicesUnavailable);
  CHECK_CUDA(cudaFreeHost(host), cudaErrorDevicesUnavailable);
  CHECK(calls == 0);  // work reached after the loss was dropped
  CHECK(Stats().deviceLost == 1);
  CHECK(NoLeaks());
}

// The process ends with live streams and queued work: exit must neither wait for the work nor crash.
void ExitWithLiveStreams() {
  static std::atomic<int> calls{0};
  static unsigned char host[64];
  static void* device = nullptr;
  cudaStream_t first = nullptr, second = nullptr;
  CHECK_OK(cudaStreamCreateWithFlags(&first, cudaStreamNonBlocking));
  CHECK_OK(cudaStreamCreate(&second));
  CHECK_OK(cudaMalloc(&device, 64));
  for (int i = 0; i < 100; ++i) {
    CHECK_OK(cudaLaunchHostFunc(first, Increment, &calls));
    CHECK_OK(cudaMemcpyAsync(host, device, 64, cudaMemcpyDeviceToHost, second));
  }
  CHECK_OK(cudaLaunchHostFunc(second, Sleep50, nullptr));
}

// DYNAMIC_OFA_STANDIN_CUDA_STATS_FILE: written at exit, with what is still live.
void StatsFile() {
  void* device = nullptr;
  CHECK_OK(cudaMalloc(&device, 300));
}

// Per parent process, so that concurrent runs (a sanitizer build beside a plain one) do not collide.
const std::string& StatsPath() {
  static const std::string path = "/tmp/dofa-standin-cuda-stats-" + std::to_string(getpid()) + ".json";
  return path;
}

struct Scenario {
  const char* name;
  void (*run)();
  std::vector<std::string> environment;
};

const std::vector<Scenario>& Scenarios() {
  static const std::vector<Scenario> scenarios = {
      {"none", NoDevice, {"DYNAMIC_OFA_STANDIN_DEVICE=none"}},
      {"xavier-nx", XavierNx, {}},
      {"discrete", Discrete, {"DYNAMIC_OFA_STANDIN_DEVICE=discrete"}},
      {"version", VersionOverride, {"DYNAMIC_OFA_STANDIN_CUDA_VERSION=11.4"}},
      {"flags", [] { DeviceFlags(false); }, {}},
      {"flags-free0", [] { DeviceFlags(true); }, {}},
      {"faults", Faults,
       {"DYNAMIC_OFA_STANDIN_FAULTS=cudaMalloc@2,cudaStreamCreateWithFlags@2+,cudaFree@1,cudaEventDestroy@1"}},
      {"device-lost", DeviceLost, {"DYNAMIC_OFA_STANDIN_FAULTS=cudaDeviceSynchronize@1!"}},
      {"exit", ExitWithLiveStreams, {"DYNAMIC_OFA_STANDIN_STREAM_DELAY_US=3000000"}},
      {"stats-file", StatsFile, {"DYNAMIC_OFA_STANDIN_CUDA_STATS_FILE=" + StatsPath()}},
  };
  return scenarios;
}

// Runs this program again for `scenario`, with the stand-in's variables replaced by the scenario's. Returns the
// wait status, or -1 if it could not start.
int RunChild(const Scenario& scenario) {
  std::vector<std::string> environment = scenario.environment;
  for (char** variable = environ; *variable != nullptr; ++variable) {
    if (!StartsWith(*variable, "DYNAMIC_OFA_STANDIN_")) environment.emplace_back(*variable);
  }
  std::vector<char*> envp;
  for (std::string& variable : environment) envp.push_back(variable.data());
  envp.push_back(nullptr);
  char self[] = "/proc/self/exe";
  std::string name = scenario.name;
  char* argv[] = {self, name.data(), nullptr};
  pid_t pid = 0;
  if (posix_spawn(&pid, self, nullptr, nullptr, argv, envp.data()) != 0) return -1;
  int status = 0;
  return waitpid(pid, &status, 0) == pid ? status : -1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2) {
    Deadline(30);
    for (const Scenario& scenario : Scenarios()) {
      if (std::strcmp(scenario.name, argv[1]) != 0) continue;
      Run(scenario.name, scenario.run);
      return Finish(scenario.name);
    }
    std::printf("unknown scenario '%s'\n", argv[1]);
    return 2;
  }
  Deadline(120);
  for (const Scenario& scenario : Scenarios()) {
    currentTest = scenario.name;
    const auto start = std::chrono::steady_clock::now();
    const int status = RunChild(scenario);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    if (std::strcmp(scenario.name, "exit") == 0) CHECK(SecondsSince(start) < 2.5);  // did not wait for the 3 s delay
  }
  currentTest = "stats-file";
  std::ifstream file(StatsPath());
  const std::string stats((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  CHECK(stats.find("\"deviceAllocations\":1,\"deviceBytes\":300,") != std::string::npos);
  std::remove(StatsPath().c_str());
  return Finish();
}
