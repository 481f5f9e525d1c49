#include "trt/backend_trt.h"

#include "trt/cuda_buffers.h"
#include "trt/trt_engine.h"
#include "trt/trt_session.h"

namespace dofa {
namespace {

class TrtBackend final : public Backend {
 public:
  explicit TrtBackend(const BackendOptions& options) : session_(std::make_shared<trt::TrtSession>(options.dlaCore)) {}

  std::unique_ptr<Engine> LoadEngine(const ModelFile& model) override { return trt::LoadTrtEngine(session_, model); }

  // Integrated GPU: mapped pinned memory, bound directly (zero-copy). Discrete: pinned staging + device mirror.
  std::shared_ptr<SharedBuffer> Allocate(size_t floats) override { return AllocateCudaShared(floats, session_->zeroCopy()); }

  size_t SharedActivationBytes() const override { return static_cast<size_t>(session_->activationBytes()); }

 private:
  std::shared_ptr<trt::TrtSession> session_;
};

}  // namespace

std::unique_ptr<Backend> CreateTrtBackend(const BackendOptions& options) { return std::make_unique<TrtBackend>(options); }

}  // namespace dofa
