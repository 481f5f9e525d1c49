#include "napi/shared_views.h"

#include <cstring>

namespace dofa {
namespace {

// The external ArrayBuffer's finalizer drops this reference (views stay valid after close()) and gives back
// the memory it reported to V8.
void ReleaseSharedBuffer(napi_env env, std::shared_ptr<SharedBuffer>* hint) {
  int64_t ignored = 0;
  napi_adjust_external_memory(env, -static_cast<int64_t>((*hint)->bytes()), &ignored);
  delete hint;
}

// An ArrayBuffer over native memory, or an empty Value when the runtime refuses external buffers (Electron).
Napi::Value TryExternalView(Napi::Env env, const std::shared_ptr<SharedBuffer>& buffer) {
  auto* hint = new std::shared_ptr<SharedBuffer>(buffer);
  napi_value value = nullptr;
  napi_status status = napi_create_external_arraybuffer(
      env, buffer->data(), buffer->bytes(),
      [](napi_env e, void* /*data*/, void* h) { ReleaseSharedBuffer(e, static_cast<std::shared_ptr<SharedBuffer>*>(h)); },
      hint, &value);
  if (status != napi_ok) {
    delete hint;
    // Clear the pending exception some runtimes set alongside the refusal.
    bool pending = false;
    if (napi_is_exception_pending(env, &pending) == napi_ok && pending) {
      napi_value ignored;
      napi_get_and_clear_last_exception(env, &ignored);
    }
    return Napi::Value();
  }
  Napi::MemoryManagement::AdjustExternalMemory(env, static_cast<int64_t>(buffer->bytes()));
  return Napi::Value(env, value);
}

}  // namespace

SharedViews::SharedViews(Napi::Env env, const SharedBuffers& buffers, bool allowExternal) {
  Napi::Value input = allowExternal ? TryExternalView(env, buffers.input) : Napi::Value();
  Napi::Value output = allowExternal ? TryExternalView(env, buffers.output) : Napi::Value();
  mirrored_ = input.IsEmpty() || output.IsEmpty();
  if (mirrored_) {
    input = Napi::ArrayBuffer::New(env, buffers.input->bytes());
    output = Napi::ArrayBuffer::New(env, buffers.output->bytes());
  }
  input_ = Napi::Persistent(input.As<Napi::ArrayBuffer>());
  output_ = Napi::Persistent(output.As<Napi::ArrayBuffer>());
}

void SharedViews::CopyInputIn(const SharedBuffer& input, size_t floats) {
  if (mirrored_) std::memcpy(input.data(), input_.Value().Data(), floats * sizeof(float));
}

void SharedViews::CopyOut(const SharedBuffers& buffers, bool inputWritten) {
  if (!mirrored_) return;
  std::memcpy(output_.Value().Data(), buffers.output->data(), buffers.output->bytes());
  if (inputWritten) std::memcpy(input_.Value().Data(), buffers.input->data(), buffers.input->bytes());
}

}  // namespace dofa
