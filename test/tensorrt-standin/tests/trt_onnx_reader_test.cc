// The ONNX parser and the network it fills: supported and unsupported operators (QLinearConv has no importer, as in
// onnx-tensorrt), weights that contradict kernel_shape, unreadable files and malformed protobuf reported through
// getNbErrors/getError, the network's tensors and layers (names, types, dims), per-layer DLA capability, and a fuzz
// of the wire-format reader (mutated real models never crash it).
#include <random>

#include "tests/trt_test_onnx.h"
#include "tests/trt_test_util.h"

using namespace trt_test;

namespace {

struct Parsed {
  Ptr<nvinfer1::IBuilder> builder;
  Ptr<nvinfer1::INetworkDefinition> network;
  Ptr<nvonnxparser::IParser> parser;
  bool ok = false;
};

Parsed Parse(const std::vector<uint8_t>& bytes) {
  Parsed p;
  p.builder.reset(NewBuilder());
  p.network.reset(NewNetwork(*p.builder));
  p.parser.reset(static_cast<nvonnxparser::IParser*>(createNvOnnxParser_INTERNAL(p.network.get(), &TheLogger(), NV_ONNX_PARSER_VERSION)));
  p.ok = p.parser && p.parser->parse(bytes.data(), bytes.size());
  return p;
}

std::string Errors(const Parsed& p) {
  std::string text;
  for (int i = 0; i < p.parser->getNbErrors(); ++i) text += std::string(i ? " | " : "") + p.parser->getError(i)->desc();
  return text;
}

void Operators() {
  Parsed p = Parse({});
  CHECK(!p.ok && p.parser->getNbErrors() == 1 && p.parser->getError(0)->code() == nvonnxparser::ErrorCode::kMODEL_DESERIALIZE_FAILED);
  for (const char* op : {"Conv", "HardSwish", "HardSigmoid", "GlobalAveragePool", "Gemm", "Flatten", "QuantizeLinear", "Cast"}) CHECK(p.parser->supportsOperator(op));
  for (const char* op : {"QLinearConv", "QGemm", "LSTM", ""}) CHECK(!p.parser->supportsOperator(op));
  // s1.int8.onnx is ONNX Runtime's quantized format: TensorRT has no importer for QLinearConv.
  Parsed q = Parse(ReadFile(Fixture("test/fixtures/int8-family/s1.int8.onnx")));
  CHECK(!q.ok && q.parser->getNbErrors() == 1);
  if (q.parser->getNbErrors() == 1) {
    const nvonnxparser::IParserError* error = q.parser->getError(0);
    CHECK_MSG(std::string(error->desc()).find("No importer registered for op: QLinearConv") != std::string::npos, error->desc());
    CHECK(error->code() == nvonnxparser::ErrorCode::kUNSUPPORTED_NODE && error->node() == 3);
  }
  Parsed w = Parse(ReadFile(Fixture("test/fixtures/bad/fails-at-run.onnx")));
  CHECK_MSG(!w.ok && Errors(w).find("kernel weights has count 12 but 60 was expected") != std::string::npos, Errors(w));
  // A file that does not exist: an error, and the logger heard it.
  Parsed f = Parse({});
  const size_t mark = TheLogger().Mark();
  CHECK(!f.parser->parseFromFile("/nonexistent/model.onnx", 1));
  CHECK(Errors(f).find("Failed to open") != std::string::npos && !TheLogger().Since(mark).empty());
  // A model without a graph; a node reading a tensor nothing defines.
  const std::string noGraph = Proto().Varint(1, 8).str();
  CHECK_MSG(Errors(Parse(std::vector<uint8_t>(noGraph.begin(), noGraph.end()))).find("no graph") != std::string::npos, "no graph");
  Parsed dangling = Parse(Model({Node("Relu", {"ghost"}, {"y"})}, ValueInfo("x", {1, 4}), ValueInfo("y", {1, 4})));
  CHECK(!dangling.ok && Errors(dangling).find("'ghost'") != std::string::npos);
  // Parsing twice into one network is refused.
  Parsed twice = Parse(ReadFile(Fixture("test/fixtures/tiny-family/s0.onnx")));
  CHECK(twice.ok && !twice.parser->parseFromFile(Fixture("test/fixtures/tiny-family/s0.onnx").c_str(), 1));
}

void NetworkContents() {
  Parsed l0 = Parse(ReadFile(Fixture("engines/fashion-ofa/L0.onnx")));
  if (!CHECK(l0.ok)) return;
  nvinfer1::INetworkDefinition& net = *l0.network;
  CHECK(net.getNbInputs() == 1 && net.getNbOutputs() == 1 && net.getNbLayers() == 119);
  const nvinfer1::Dims in = net.getInput(0)->getDimensions();
  CHECK(in.nbDims == 4 && in.d[0] == 1 && in.d[1] == 1 && in.d[2] == 16 && in.d[3] == 16);
  CHECK(std::string(net.getInput(0)->getName()) == "input" && net.getInput(0)->getType() == nvinfer1::DataType::kFLOAT);
  CHECK(std::string(net.getOutput(0)->getName()) == "logits" && net.getOutput(0)->getDimensions().d[1] == 10);
  CHECK(std::string(net.getLayer(0)->getName()) == "/first_conv/conv/Conv" && net.getLayer(0)->getType() == nvinfer1::LayerType::kCONVOLUTION);
  CHECK(net.getLayer(1)->getType() == nvinfer1::LayerType::kACTIVATION && net.getLayer(2)->getType() == nvinfer1::LayerType::kELEMENTWISE);
  CHECK(net.getLayer(118)->getType() == nvinfer1::LayerType::kMATRIX_MULTIPLY && net.getLayer(119) == nullptr);
  CHECK(net.getLayer(0)->getNbInputs() == 1 && net.getLayer(0)->getNbOutputs() == 1);
  // Per-layer DLA capability: Conv, ReLU, Mul, Add yes; HardSigmoid, GlobalAveragePool, Flatten, Gemm no.
  Ptr<nvinfer1::IBuilderConfig> config(l0.builder->createBuilderConfig());
  int dla = 0;
  for (int32_t i = 0; i < net.getNbLayers(); ++i) {
    const std::string name = net.getLayer(i)->getName();
    const bool can = config->canRunOnDLA(net.getLayer(i));
    dla += can;
    if (name.find("HardSigmoid") != std::string::npos || name.find("Gemm") != std::string::npos || name == "/Flatten") CHECK_MSG(!can, name);
    if (name.find("/Conv") != std::string::npos || name.find("Relu") != std::string::npos) CHECK_MSG(can, name);
  }
  CHECK(dla == 119 - 21 - 7 - 2);
  // Unnamed nodes take op_type + index; integer inputs keep their type; two inputs stay two.
  Parsed tiny = Parse(ReadFile(Fixture("test/fixtures/tiny-family/s0.onnx")));
  CHECK(tiny.ok && std::string(tiny.network->getLayer(1)->getName()) == "HardSwish_1");
  Parsed ints = Parse(ReadFile(Fixture("test/fixtures/bad/int-input.onnx")));
#if NV_TENSORRT_MAJOR >= 10
  CHECK(ints.ok && ints.network->getInput(0)->getType() == nvinfer1::DataType::kINT64);
#else
  CHECK(ints.ok && ints.network->getInput(0)->getType() == nvinfer1::DataType::kINT32);  // TensorRT 8 casts INT64 down
#endif
  Parsed two = Parse(ReadFile(Fixture("test/fixtures/bad/two-inputs.onnx")));
  CHECK(two.ok && two.network->getNbInputs() == 2);
}

// Pooling windows up to 8 run on DLA; larger ones do not.
void PoolingWindows() {
  for (int window : {2, 8, 9}) {
    Proto pool = Node("AveragePool", {"x"}, {"y"});
    Proto kernel = Proto().Bytes(1, "kernel_shape").Varint(8, static_cast<uint64_t>(window)).Varint(8, static_cast<uint64_t>(window)).Varint(20, 7);
    pool.Message(5, kernel);
    Parsed p = Parse(Model({pool}, ValueInfo("x", {1, 4, 16, 16}), ValueInfo("y", {1, 4, 17 - window, 17 - window})));
    if (!CHECK(p.ok)) continue;
    Ptr<nvinfer1::IBuilderConfig> config(p.builder->createBuilderConfig());
    CHECK_MSG(config->canRunOnDLA(p.network->getLayer(0)) == (window <= 8), "window " + std::to_string(window));
  }
}

#if NV_TENSORRT_MAJOR < 10
void ImplicitBatchRefused() {
  Ptr<nvinfer1::IBuilder> builder(NewBuilder());
  const size_t mark = TheLogger().Mark();
  CHECK(builder->createNetworkV2(0) == nullptr && TheLogger().Since(mark).find("kEXPLICIT_BATCH") != std::string::npos);
}
#endif

void Fuzz() {
  std::mt19937 random(11);
  int accepted = 0;
  int runs = 0;
  for (const std::string& path : {Fixture("test/fixtures/tiny-family/s0.onnx"), Fixture("engines/fashion-ofa/L0.onnx")}) {
    const std::vector<uint8_t> model = ReadFile(path);
    for (int i = 0; i < 1500; ++i, ++runs) {
      std::vector<uint8_t> mutated = model;
      if (i % 4 == 3) {
        mutated.resize(random() % mutated.size());
      } else {
        // Flips biased towards the structure at the start (keys, lengths), where weights do not hide them.
        for (int flips = 1 + static_cast<int>(random() % 3); flips > 0; --flips) {
          const size_t at = i % 2 == 0 ? random() % std::min<size_t>(mutated.size(), 4096) : random() % mutated.size();
          mutated[at] ^= static_cast<uint8_t>(1u << (random() % 8));
        }
      }
      Parsed p = Parse(mutated);
      accepted += p.ok;
      if (!p.ok) CHECK(p.parser->getNbErrors() >= 1 && p.parser->getError(0)->desc()[0] != '\0');
    }
  }
  std::vector<uint8_t> garbage(512);
  for (int i = 0; i < 500; ++i, ++runs) {
    for (uint8_t& byte : garbage) byte = static_cast<uint8_t>(random());
    accepted += Parse(garbage).ok;
  }
  std::printf("  fuzz: %d mutated or random models, %d still parse (mutations inside weights)\n", runs, accepted);
  CHECK(accepted < runs);
}

}  // namespace

int main() {
  alarm(600);
  Run("operators, parse errors and the logger", Operators);
  Run("network tensors, layers and DLA capability", NetworkContents);
  Run("pooling windows on DLA", PoolingWindows);
#if NV_TENSORRT_MAJOR < 10
  Run("TensorRT 8 needs explicit batch", ImplicitBatchRefused);
#endif
  Run("fuzzing the ONNX reader", Fuzz);
  return Finish();
}
