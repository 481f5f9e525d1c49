#include "ort/backend_ort.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <new>

#include "core/content_hash.h"
#include "core/errors.h"
#include "core/file_bytes.h"
#include "ort/onnx_initializers.h"
#include "ort/ort_runtime.h"
#include "ort/weight_store.h"

namespace dofa {
namespace {

class OrtEngine final : public Engine {
 public:
  // `weights`: the model's shared weights when its files are pre-optimized (shareWeights), else null.
  OrtEngine(std::shared_ptr<OrtRuntime> runtime, const ModelFile& model, bool sharedArena, std::shared_ptr<WeightStore> weights)
      : runtime_(std::move(runtime)), api_(runtime_->api()), modelPath_(model.path), contentHash_(model.contentHash), weights_(std::move(weights)) {
    try {
      Load(sharedArena);
    } catch (...) {
      Release();
      throw;
    }
  }
  ~OrtEngine() override { Release(); }

  const TensorInfo& input() const override { return input_; }
  const TensorInfo& output() const override { return output_; }
  WeightUse Weights() const override { return weightUse_; }

  void Bind(const SharedBuffers& buffers) override {
    ReleaseBinding();
    Check(api_.CreateIoBinding(session_, &binding_), "CreateIoBinding");
    inputValue_ = MakeTensor(buffers.input->data(), input_);
    outputValue_ = MakeTensor(buffers.output->data(), output_);
    Check(api_.BindInput(binding_, input_.name.c_str(), inputValue_), "BindInput");
    Check(api_.BindOutput(binding_, output_.name.c_str(), outputValue_), "BindOutput");
  }

  RunTiming Run() override {
    if (binding_ == nullptr) throw Error(codes::kInference, "engine run before its buffers were bound");
    const auto start = std::chrono::steady_clock::now();
    OrtStatus* status = api_.RunWithBinding(session_, nullptr, binding_);
    const auto end = std::chrono::steady_clock::now();
    runtime_->Check(status, codes::kInference, "inference with '" + modelPath_ + "' failed");
    RunTiming timing;
    timing.hostMs = std::chrono::duration<double, std::milli>(end - start).count();
    return timing;
  }

 private:
  void Check(OrtStatus* status, const std::string& what) const {
    runtime_->Check(status, codes::kModelLoad, "'" + modelPath_ + "': " + what);
  }

  void Load(bool sharedArena) {
    OrtSessionOptions* options = nullptr;
    Check(api_.CreateSessionOptions(&options), "CreateSessionOptions");
    OrtStatus* status = api_.DisablePerSessionThreads(options);  // use the env's global pool
    // A pre-optimized model (shared weights) is loaded as ONNX Runtime's "offline mode" has it: not optimized again.
    if (status == nullptr) status = api_.SetSessionGraphOptimizationLevel(options, weights_ ? ORT_DISABLE_ALL : ORT_ENABLE_ALL);
    if (status == nullptr) status = api_.SetSessionExecutionMode(options, ORT_SEQUENTIAL);
    if (status == nullptr && sharedArena) {
      // A family runs one sub-network at a time: its sessions share the env's arena for activations instead of one
      // arena each, and weights take exactly their size from the heap instead of arena chunks (docs/memory.md).
      status = api_.AddSessionConfigEntry(options, "session.use_env_allocators", "1");
      if (status == nullptr) status = api_.AddSessionConfigEntry(options, "session.use_device_allocator_for_initializers", "1");
    }
    if (status == nullptr) {
      try {
        status = weights_ ? CreateSharingSession(options) : api_.CreateSession(runtime_->env(), modelPath_.c_str(), options, &session_);
      } catch (...) {
        api_.ReleaseSessionOptions(options);
        throw;
      }
    }
    api_.ReleaseSessionOptions(options);
    Check(status, "cannot create an ONNX Runtime session");
    Check(api_.CreateCpuMemoryInfo(OrtArenaAllocator, OrtMemTypeDefault, &memoryInfo_), "CreateCpuMemoryInfo");
    input_ = DescribeOnly(/*isInput=*/true);
    output_ = DescribeOnly(/*isInput=*/false);
  }

  // Maps the model, checks it is the file recorded, hands ONNX Runtime the store's copy of each of its weights (ONNX
  // Runtime uses such user-owned CPU initializers in place, and shares what it pre-packs from them through the
  // store's container), then creates the session from the mapped bytes. The mapping, and ONNX Runtime's parsed copy
  // of the model, are gone once the session exists.
  OrtStatus* CreateSharingSession(OrtSessionOptions* options) {
    const FileBytes bytes(modelPath_);
    if (!contentHash_.empty()) {
      const std::string found = ContentHashHex(bytes.data(), bytes.size());
      if (found != contentHash_) {
        throw Error(codes::kModelLoad, "'" + modelPath_ + "' is not the file that was written (content hash " + found +
                                           ", recorded " + contentHash_ + "): damaged or replaced");
      }
    }
    for (const OnnxInitializer& initializer : ReadOnnxInitializers(bytes.data(), bytes.size(), modelPath_)) {
      if (!initializer.shareable) continue;
      bool reused = false;
      const OrtValue* value = weights_->Share(initializer, bytes.data() + initializer.rawOffset, &reused);
      Check(api_.AddInitializer(options, initializer.name.c_str(), value), "AddInitializer '" + initializer.name + "'");
      weightUse_.bytes += initializer.rawBytes;
      if (reused) weightUse_.reusedBytes += initializer.rawBytes;
    }
    OrtStatus* status = api_.CreateSessionFromArrayWithPrepackedWeightsContainer(runtime_->env(), bytes.data(), bytes.size(), options,
                                                                                 weights_->prepackedWeights(), &session_);
    if (status == nullptr) return nullptr;
    // A kernel that pre-packs a shared weight but cannot keep its packed copy in a container (ONNX Runtime 1.30's
    // int8 convolutions: "doesn't have an implementation that can cache computed pre-packed weights") refuses the
    // container: this sub-network then packs its own copy, its weights stay shared.
    api_.ReleaseStatus(status);
    session_ = nullptr;
    return api_.CreateSessionFromArray(runtime_->env(), bytes.data(), bytes.size(), options, &session_);
  }

  // The model must have exactly one float tensor input and one float tensor output.
  TensorInfo DescribeOnly(bool isInput) const {
    const char* kind = isInput ? "input" : "output";
    size_t count = 0;
    Check(isInput ? api_.SessionGetInputCount(session_, &count) : api_.SessionGetOutputCount(session_, &count),
          "counting tensors");
    if (count != 1) {
      throw Error(codes::kModelLoad, "'" + modelPath_ + "' has " + std::to_string(count) + " " + kind +
                                         "s; a sub-network must have exactly one " + kind);
    }
    OrtAllocator* allocator = nullptr;
    Check(api_.GetAllocatorWithDefaultOptions(&allocator), "GetAllocatorWithDefaultOptions");
    char* rawName = nullptr;
    Check(isInput ? api_.SessionGetInputName(session_, 0, allocator, &rawName)
                  : api_.SessionGetOutputName(session_, 0, allocator, &rawName),
          "reading tensor names");
    TensorInfo info;
    info.name = rawName;
    allocator->Free(allocator, rawName);

    OrtTypeInfo* typeInfo = nullptr;
    Check(isInput ? api_.SessionGetInputTypeInfo(session_, 0, &typeInfo)
                  : api_.SessionGetOutputTypeInfo(session_, 0, &typeInfo),
          "reading tensor types");
    const OrtTensorTypeAndShapeInfo* tensorInfo = nullptr;
    OrtStatus* status = api_.CastTypeInfoToTensorInfo(typeInfo, &tensorInfo);
    ONNXTensorElementDataType elementType = ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED;
    size_t rank = 0;
    if (status == nullptr && tensorInfo == nullptr) {
      api_.ReleaseTypeInfo(typeInfo);
      throw Error(codes::kModelLoad, "'" + modelPath_ + "': the " + kind + " is not a tensor");
    }
    if (status == nullptr) status = api_.GetTensorElementType(tensorInfo, &elementType);
    if (status == nullptr) status = api_.GetDimensionsCount(tensorInfo, &rank);
    if (status == nullptr) {
      info.shape.resize(rank);
      status = api_.GetDimensions(tensorInfo, info.shape.data(), rank);
    }
    api_.ReleaseTypeInfo(typeInfo);
    Check(status, "reading tensor shapes");
    if (elementType != ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT) {
      throw Error(codes::kModelLoad, "'" + modelPath_ + "': " + kind + " '" + info.name +
                                         "' must be float32 (ONNX element type " +
                                         std::to_string(static_cast<int>(elementType)) + " found)");
    }
    for (int64_t& dim : info.shape) {
      if (dim <= 0) dim = 1;  // dynamic batch (or symbolic) dimension: run with batch 1
    }
    return info;
  }

  OrtValue* MakeTensor(float* data, const TensorInfo& info) {
    OrtValue* value = nullptr;
    Check(api_.CreateTensorWithDataAsOrtValue(memoryInfo_, data, info.ElementCount() * sizeof(float),
                                              info.shape.data(), info.shape.size(),
                                              ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT, &value),
          "CreateTensorWithDataAsOrtValue");
    return value;
  }

  void ReleaseBinding() {
    if (binding_ != nullptr) api_.ReleaseIoBinding(binding_);
    if (inputValue_ != nullptr) api_.ReleaseValue(inputValue_);
    if (outputValue_ != nullptr) api_.ReleaseValue(outputValue_);
    binding_ = nullptr;
    inputValue_ = outputValue_ = nullptr;
  }

  void Release() {
    ReleaseBinding();
    if (memoryInfo_ != nullptr) api_.ReleaseMemoryInfo(memoryInfo_);
    if (session_ != nullptr) api_.ReleaseSession(session_);
    memoryInfo_ = nullptr;
    session_ = nullptr;
    weights_.reset();  // after the session: it uses the weights in place
  }

  std::shared_ptr<OrtRuntime> runtime_;  // keeps the env alive as long as the session
  const OrtApi& api_;
  std::string modelPath_;
  std::string contentHash_;
  std::shared_ptr<WeightStore> weights_;
  WeightUse weightUse_;
  OrtSession* session_ = nullptr;
  OrtMemoryInfo* memoryInfo_ = nullptr;
  OrtIoBinding* binding_ = nullptr;
  OrtValue* inputValue_ = nullptr;
  OrtValue* outputValue_ = nullptr;
  TensorInfo input_;
  TensorInfo output_;
};

class OrtBackend final : public Backend {
 public:
  OrtBackend(std::shared_ptr<OrtRuntime> runtime, bool sharedArena, bool shareWeights)
      : runtime_(std::move(runtime)), sharedArena_(sharedArena), weights_(shareWeights ? std::make_shared<WeightStore>(runtime_) : nullptr) {}

  std::unique_ptr<Engine> LoadEngine(const ModelFile& model) override {
    if (model.offset != 0) ContractViolation("ONNX models are read whole (model offset " + std::to_string(model.offset) + ")");
    return std::make_unique<OrtEngine>(runtime_, model, sharedArena_, weights_);
  }

  std::shared_ptr<SharedBuffer> Allocate(size_t floats) override {
    const size_t bytes = std::max<size_t>(64, ((floats * sizeof(float) + 63) / 64) * 64);
    auto* data = static_cast<float*>(std::aligned_alloc(64, bytes));
    if (data == nullptr) throw std::bad_alloc();
    std::memset(data, 0, bytes);
    return std::make_shared<SharedBuffer>(data, floats, DeviceView{}, [](float* host, const DeviceView&) { std::free(host); });
  }

 private:
  std::shared_ptr<OrtRuntime> runtime_;
  bool sharedArena_;
  std::shared_ptr<WeightStore> weights_;  // one per model: every engine holds it, so it outlives the backend
};

}  // namespace

std::unique_ptr<Backend> CreateOrtBackend(const BackendOptions& options) {
  return std::make_unique<OrtBackend>(OrtRuntime::Acquire(options.ortLibrary, options.threads), !options.ortSessionDefaults,
                                      options.shareWeights);
}

}  // namespace dofa
