// One sub-network as a TensorRT engine: deserialized from the engine file's plan (lib/engines/ has written and
// checked the header in front of it; the plan is read from the offset it gives), with an execution context that
// uses the session's shared activation memory and is bound once (setTensorAddress) to the model's shared
// buffers. Compiled only with DYNAMIC_OFA_WITH_TENSORRT.
#pragma once

#include <memory>

#include "core/backend.h"
#include "trt/trt_session.h"

namespace dofa {
namespace trt {

std::unique_ptr<Engine> LoadTrtEngine(std::shared_ptr<TrtSession> session, const ModelFile& model);

}  // namespace trt
}  // namespace dofa
