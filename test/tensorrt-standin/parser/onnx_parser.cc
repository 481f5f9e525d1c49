// libnvonnxparser: nvonnxparser::IParser over the stand-in libnvinfer. It reads the file (or takes the buffer) and
// hands the bytes to libnvinfer's network through the private dofaStandinPopulateNetwork (tensorrt/standin_abi.h),
// which reads the ONNX and imports it; each problem becomes an IParserError (getNbErrors / getError) and is logged at
// kERROR through the logger given to createParser, as onnx-tensorrt does.
#define TENSORRT_BUILD_LIB 1  // the headers' TENSORRTAPI exports the entry points defined here
#include <NvOnnxParser.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "aborting_interfaces.h"
#include "common/faults.h"
#include "tensorrt/standin_abi.h"

namespace dofa_standin {
namespace {

using nvonnxparser::ErrorCode;

class ParserError final : public nvonnxparser::IParserError {
 public:
  ParserError(ErrorCode code, int node, std::string desc, std::string nodeName = "", std::string nodeOperator = "")
      : code_(code), node_(node), desc_(std::move(desc)), nodeName_(std::move(nodeName)), nodeOperator_(std::move(nodeOperator)) {}

  ErrorCode code() const noexcept override { return code_; }
  char const* desc() const noexcept override { return desc_.c_str(); }
  char const* file() const noexcept override { return "stand-in onnx_parser.cc"; }
  int line() const noexcept override { return 0; }
  char const* func() const noexcept override { return "parse"; }
  int node() const noexcept override { return node_; }
#if NV_TENSORRT_MAJOR >= 10
  char const* nodeName() const noexcept override { return nodeName_.c_str(); }
  char const* nodeOperator() const noexcept override { return nodeOperator_.c_str(); }
  char const* const* localFunctionStack() const noexcept override { return nullptr; }
  int32_t localFunctionStackSize() const noexcept override { return 0; }
#endif

 private:
  ErrorCode code_;
  int node_;
  std::string desc_;
  std::string nodeName_;
  std::string nodeOperator_;
};

class Parser final : public nvonnxparser::AbortingIParser {
 public:
  Parser(nvinfer1::INetworkDefinition* network, nvinfer1::ILogger* logger) : network_(network), logger_(logger) {}

  bool parse(void const* model, size_t size, char const* /*modelPath*/) noexcept override {
    if (Fault("parse")) return false;
    return Import(model, size);
  }

  bool parseFromFile(char const* path, int verbosity) noexcept override {
    if (Fault("parseFromFile")) return false;
    std::ifstream file(path != nullptr ? path : "", std::ios::binary);
    if (!file) return Error(ErrorCode::kINVALID_VALUE, -1, std::string("Failed to open the ONNX file: ") + (path != nullptr ? path : "(null)"));
    const std::vector<char> bytes{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
    if (file.bad()) return Error(ErrorCode::kINVALID_VALUE, -1, std::string("Failed to read the ONNX file: ") + path);
    if (verbosity >= static_cast<int>(nvinfer1::ILogger::Severity::kINFO)) {
      Log(nvinfer1::ILogger::Severity::kINFO, std::string("Input filename: ") + path + " (" + std::to_string(bytes.size()) + " bytes)");
    }
    return Import(bytes.data(), bytes.size());
  }

  bool supportsOperator(char const* opName) const noexcept override { return dofaStandinSupportsOperator(opName) != 0; }
  int getNbErrors() const noexcept override { return static_cast<int>(errors_.size()); }
  nvonnxparser::IParserError const* getError(int index) const noexcept override {
    return index >= 0 && index < getNbErrors() ? errors_[static_cast<size_t>(index)].get() : nullptr;
  }
  void clearErrors() noexcept override { errors_.clear(); }
#if NV_TENSORRT_MAJOR >= 10
  void setFlags(nvonnxparser::OnnxParserFlags flags) noexcept override { flags_ = flags; }
  nvonnxparser::OnnxParserFlags getFlags() const noexcept override { return flags_; }
  void clearFlag(nvonnxparser::OnnxParserFlag flag) noexcept override { flags_ &= ~(1U << static_cast<uint32_t>(flag)); }
  void setFlag(nvonnxparser::OnnxParserFlag flag) noexcept override { flags_ |= 1U << static_cast<uint32_t>(flag); }
  bool getFlag(nvonnxparser::OnnxParserFlag flag) const noexcept override { return (flags_ & (1U << static_cast<uint32_t>(flag))) != 0; }
  char const* const* getUsedVCPluginLibraries(int64_t& count) const noexcept override {
    count = 0;
    return nullptr;
  }
#else
  void destroy() noexcept override { delete this; }
#endif

 private:
  bool Import(void const* model, size_t size) {
    DofaStandinParseError problems[8];
    const int32_t count = dofaStandinPopulateNetwork(network_, model, size, problems, 8);
    for (int32_t i = 0; i < count; ++i) {
      const DofaStandinParseError& p = problems[i];
      Error(static_cast<ErrorCode>(p.code), p.node, p.desc, p.nodeName, p.nodeOperator);
    }
    return count == 0;
  }

  bool Fault(const char* entryPoint) {
    if (!ShouldFail(entryPoint)) return false;
    return !Error(ErrorCode::kINTERNAL_ERROR, -1, std::string(entryPoint) + " failed (injected fault)");
  }

  // Records and logs a problem; returns false, what the parse returns.
  bool Error(ErrorCode code, int node, const std::string& desc, const std::string& nodeName = "", const std::string& nodeOperator = "") {
    errors_.push_back(std::make_unique<ParserError>(code, node, desc, nodeName, nodeOperator));
    Log(nvinfer1::ILogger::Severity::kERROR, "ModelImporter.cpp: " + desc);
    return false;
  }

  void Log(nvinfer1::ILogger::Severity severity, const std::string& message) const {
    if (logger_ != nullptr) logger_->log(severity, message.c_str());
  }

  nvinfer1::INetworkDefinition* network_;
  nvinfer1::ILogger* logger_;
  std::vector<std::unique_ptr<ParserError>> errors_;
  uint32_t flags_ = 0;
};

int32_t ParserVersion() {
  int major = NV_ONNX_PARSER_MAJOR;
  int minor = NV_ONNX_PARSER_MINOR;
  int patch = NV_ONNX_PARSER_PATCH;
  const std::string text = Env("DYNAMIC_OFA_STANDIN_PARSER_VERSION");
  char tail = 0;
  if (!text.empty() && std::sscanf(text.c_str(), "%d.%d.%d%c", &major, &minor, &patch, &tail) != 3) {
    std::fprintf(stderr, "stand-in: ignoring DYNAMIC_OFA_STANDIN_PARSER_VERSION='%s' (expected major.minor.patch)\n", text.c_str());
    major = NV_ONNX_PARSER_MAJOR, minor = NV_ONNX_PARSER_MINOR, patch = NV_ONNX_PARSER_PATCH;
  }
  return major * 10000 + minor * 100 + patch;
}

}  // namespace
}  // namespace dofa_standin

// TensorRT 10's header declares the entry points noexcept, 8.5's does not.
#if NV_TENSORRT_MAJOR >= 10
#define DOFA_PARSER_NOEXCEPT noexcept
#else
#define DOFA_PARSER_NOEXCEPT
#endif

// onnx-tensorrt ignores `version` (check getNvOnnxParserVersion instead); so does the stand-in.
extern "C" TENSORRTAPI void* createNvOnnxParser_INTERNAL(void* network, void* logger, int /*version*/) DOFA_PARSER_NOEXCEPT {
  auto* log = static_cast<nvinfer1::ILogger*>(logger);
  if (dofa_standin::ShouldFail("createParser")) {
    if (log != nullptr) log->log(nvinfer1::ILogger::Severity::kERROR, "createParser failed (injected fault)");
    return nullptr;
  }
  if (network == nullptr) {
    if (log != nullptr) log->log(nvinfer1::ILogger::Severity::kERROR, "createParser: no network");
    return nullptr;
  }
  return static_cast<nvonnxparser::IParser*>(new dofa_standin::Parser(static_cast<nvinfer1::INetworkDefinition*>(network), log));
}

extern "C" TENSORRTAPI int getNvOnnxParserVersion() DOFA_PARSER_NOEXCEPT { return dofa_standin::ParserVersion(); }
