#include "trt/trt_logger.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <utility>

namespace dofa {
namespace trt {
namespace {

using Severity = nvinfer1::ILogger::Severity;

// Bounds: a capture keeps a few errors (the first explain a failure best), more warnings for build reports.
constexpr size_t kMaxErrors = 16;
constexpr size_t kMaxWarnings = 200;
constexpr size_t kMaxInfo = 2000;
constexpr size_t kMaxMessage = 2000;
constexpr size_t kUnattributedRing = 32;

thread_local LogCapture* currentCapture = nullptr;

struct Unattributed {
  uint64_t at;
  std::string message;
};

std::string Clip(const char* message) {
  std::string text = message != nullptr ? message : "";
  if (text.size() > kMaxMessage) text = text.substr(0, kMaxMessage) + "...";
  return text;
}

// DYNAMIC_OFA_TENSORRT_LOG=error|warning|info|verbose also prints TensorRT's messages to stderr.
int EchoThreshold() {
  const char* value = std::getenv("DYNAMIC_OFA_TENSORRT_LOG");
  if (value == nullptr) return -1;
  const char* names[] = {"internal", "error", "warning", "info", "verbose"};
  for (int i = 0; i < 5; ++i) {
    if (std::strcmp(value, names[i]) == 0) return i;
  }
  return -1;
}

// Everything the logger keeps is a member, not a static of this file: the logger is never destroyed, and a
// TensorRT thread may log after static destruction has begun (at exit), when a static mutex or ring would be gone.
class Logger final : public nvinfer1::ILogger {
 public:
  void log(Severity severity, nvinfer1::AsciiChar const* message) noexcept override {
    try {
      const uint64_t at = sequence_.fetch_add(1) + 1;
      if (static_cast<int>(severity) <= echo_) std::fprintf(stderr, "[TensorRT] %s\n", message);
      if (currentCapture != nullptr) {
        currentCapture->Add(severity, message);
      } else if (severity <= Severity::kERROR) {
        std::lock_guard<std::mutex> lock(ringMutex_);
        ring_.push_back({at, Clip(message)});
        if (ring_.size() > kUnattributedRing) ring_.pop_front();
      }
    } catch (...) {
      // a logger must not throw into TensorRT
    }
  }

  // The number of the last message logged (a capture sees what is logged after it).
  uint64_t Latest() const { return sequence_.load(); }

  // Errors logged on threads without a capture after message number `after`, each marked as such.
  void AppendUnattributed(uint64_t after, std::string* text) {
    std::lock_guard<std::mutex> lock(ringMutex_);
    for (const Unattributed& entry : ring_) {
      if (entry.at > after) *text += (text->empty() ? "" : "; ") + entry.message + " (logged on another thread)";
    }
  }

 private:
  const int echo_ = EchoThreshold();
  std::atomic<uint64_t> sequence_{0};
  std::mutex ringMutex_;
  std::deque<Unattributed> ring_;  // errors logged on threads without a capture, newest last
};

Logger& TheLogger() {
  static Logger* logger = new Logger();  // never destroyed: TensorRT may log until the process ends
  return *logger;
}

}  // namespace

nvinfer1::ILogger& ProcessLogger() { return TheLogger(); }

LogCapture::LogCapture() : LogCapture(Options{}) {}

LogCapture::LogCapture(Options options)
    : options_(std::move(options)), outer_(currentCapture), openedAt_(TheLogger().Latest()) {
  currentCapture = this;
}

LogCapture::~LogCapture() { currentCapture = outer_; }

void LogCapture::Add(Severity severity, const char* message) {
  if (severity <= Severity::kERROR) {
    if (errors_.size() < kMaxErrors) errors_.push_back(Clip(message));
  } else if (severity == Severity::kWARNING) {
    if (options_.warnings && warnings_.size() < kMaxWarnings) warnings_.push_back(Clip(message));
  } else if (severity == Severity::kINFO && !options_.infoPrefixes.empty() && info_.size() < kMaxInfo) {
    for (const std::string& prefix : options_.infoPrefixes) {
      if (std::strncmp(message, prefix.c_str(), prefix.size()) == 0) {
        info_.push_back(Clip(message));
        break;
      }
    }
  }
}

std::string LogCapture::Errors() const {
  std::string text;
  for (const std::string& error : errors_) text += (text.empty() ? "" : "; ") + error;
  TheLogger().AppendUnattributed(openedAt_, &text);
  return text;
}

}  // namespace trt
}  // namespace dofa
