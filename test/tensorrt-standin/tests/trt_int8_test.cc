// int8 calibration as the builder drives an IInt8EntropyCalibrator2 (batches from device memory the calibrator owns,
// the cache written, then reused without reading batches; a cache of another TensorRT recalibrates; no batches fail
// the build) and TensorRT 10's IProgressMonitor (phases and steps; a false stepComplete cancels the build).
#include "tests/trt_test_onnx.h"
#include "tests/trt_test_util.h"

using namespace trt_test;

namespace {

const std::string kTiny = Fixture("test/fixtures/tiny-family/s0.onnx");
constexpr size_t kSample = 3 * 16 * 16;

class Calibrator final : public nvinfer1::IInt8EntropyCalibrator2 {
 public:
  explicit Calibrator(int batches) : batches_(batches) { cudaMalloc(&device_, kSample * 4); }
  ~Calibrator() override { cudaFree(device_); }

  int32_t getBatchSize() const noexcept override { return 1; }
  bool getBatch(void* bindings[], char const* names[], int32_t nbBindings) noexcept override {
    ++calls;
    if (nbBindings != 1 || std::string(names[0]) != "input" || served >= batches_) return false;
    const std::vector<float> sample = Floats(kSample, static_cast<uint32_t>(served + 1));
    cudaMemcpy(device_, sample.data(), kSample * 4, cudaMemcpyHostToDevice);
    bindings[0] = device_;
    ++served;
    return true;
  }
  void const* readCalibrationCache(std::size_t& length) noexcept override {
    length = offered.size();
    return offered.empty() ? nullptr : offered.data();
  }
  void writeCalibrationCache(void const* ptr, std::size_t length) noexcept override {
    written.assign(static_cast<const char*>(ptr), length);
  }

  int calls = 0;
  int served = 0;
  std::string offered;  // what readCalibrationCache returns
  std::string written;

 private:
  int batches_;
  void* device_ = nullptr;
};

BuildOptions Int8OnDla(Calibrator& calibrator) {
  BuildOptions options = OnDla(0);
  options.calibrator = &calibrator;
  return options;
}

void CalibrateThenReuse() {
  Calibrator first(4);
  const std::vector<uint8_t> plan = BuildPlan(kTiny, Int8OnDla(first));
  CHECK(!plan.empty() && first.served == 4 && first.calls == 5);
  const std::string header = "TRT-" + std::to_string(getInferLibVersion()) + "-EntropyCalibration2\n";
  CHECK_MSG(first.written.rfind(header, 0) == 0 && first.written.find("\ninput: ") != std::string::npos, first.written);
  std::printf("  calibration cache: %s", first.written.c_str());
  // The cache given back: no batch is read, and the same calibration gives the same plan.
  Calibrator second(4);
  second.offered = first.written;
  const std::vector<uint8_t> again = BuildPlan(kTiny, Int8OnDla(second));
  CHECK(!again.empty() && second.calls == 0 && second.written.empty() && again == plan);
  // The engine runs (fp32 on ONNX Runtime: nothing here is int8 numerics).
  Ptr<nvinfer1::IRuntime> runtime(NewRuntime());
  Ptr<nvinfer1::ICudaEngine> engine(Deserialize(*runtime, plan));
  std::string error;
  const std::vector<float> input = Floats(kSample, 3);
  CHECK(engine && MaxAbsDiff(RunEngine(*engine, input), OrtReference(ReadFile(kTiny), input, {1, 3, 16, 16}, &error)) <= 1e-5f);
  // A cache from another TensorRT is not used: calibrate again.
  Calibrator stale(2);
  stale.offered = "TRT-8401-EntropyCalibration2\ninput: 3c010204\n";
  const size_t mark = TheLogger().Mark();
  CHECK(!BuildPlan(kTiny, Int8OnDla(stale)).empty() && stale.served == 2 && !stale.written.empty());
  CHECK(TheLogger().Since(mark, nvinfer1::ILogger::Severity::kWARNING).find("calibrating again") != std::string::npos);
}

void NoBatchesFail() {
  Calibrator empty(0);
  const size_t mark = TheLogger().Mark();
  CHECK(BuildPlan(kTiny, Int8OnDla(empty)).empty());
  CHECK_MSG(TheLogger().Since(mark).find("Calibration failure occurred with no scaling factors detected") != std::string::npos, TheLogger().Since(mark));
}

#if NV_TENSORRT_MAJOR >= 10
class Monitor final : public nvinfer1::IProgressMonitor {
 public:
  explicit Monitor(int cancelAt) : cancelAt_(cancelAt) {}
  void phaseStart(char const* phaseName, char const* parentPhase, int32_t nbSteps) noexcept override {
    events += std::string("start:") + phaseName + (parentPhase ? std::string("<") + parentPhase : "") + ":" + std::to_string(nbSteps) + " ";
  }
  bool stepComplete(char const*, int32_t) noexcept override { return ++steps != cancelAt_; }
  void phaseFinish(char const* phaseName) noexcept override { events += std::string("finish:") + phaseName + " "; }
  std::string events;
  int steps = 0;

 private:
  int cancelAt_;
};

void ProgressMonitor() {
  for (int cancelAt : {-1, 5}) {
    Monitor monitor(cancelAt);
    Ptr<nvinfer1::IBuilder> builder(NewBuilder());
    Ptr<nvinfer1::INetworkDefinition> network(NewNetwork(*builder));
    Ptr<nvonnxparser::IParser> parser(static_cast<nvonnxparser::IParser*>(createNvOnnxParser_INTERNAL(network.get(), &TheLogger(), NV_ONNX_PARSER_VERSION)));
    Ptr<nvinfer1::IBuilderConfig> config(builder->createBuilderConfig());
    CHECK(parser->parseFromFile(kTiny.c_str(), 2));
    config->setProgressMonitor(&monitor);
    const size_t mark = TheLogger().Mark();
    Ptr<nvinfer1::IHostMemory> plan(builder->buildSerializedNetwork(*network, *config));
    CHECK_MSG(monitor.events.find("start:Building engine:3 ") == 0 && monitor.events.find("start:Tactic selection<Building engine:13") != std::string::npos,
              monitor.events);
    CHECK_MSG(monitor.events.rfind("finish:Building engine ") == monitor.events.size() - 23, monitor.events);
    if (cancelAt < 0) {
      CHECK(plan != nullptr && monitor.steps == 3 + 13);
    } else {
      CHECK(plan == nullptr && monitor.steps == cancelAt && TheLogger().Since(mark).find("cancelled") != std::string::npos);
    }
  }
}
#endif

}  // namespace

int main() {
  alarm(600);
  OrtLibrary();
  Run("calibrate, write the cache, reuse it", CalibrateThenReuse);
  Run("calibration without batches fails the build", NoBatchesFail);
#if NV_TENSORRT_MAJOR >= 10
  Run("progress monitor and cancellation", ProgressMonitor);
#endif
  return Finish();
}
