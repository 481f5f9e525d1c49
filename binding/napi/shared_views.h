// The JS views of a model's shared buffers: ArrayBuffers over the native memory (no copy), or, where the
// runtime refuses external buffers (Electron), JS-owned copies synchronized around each run.
#pragma once

#include <napi.h>

#include <cstddef>
#include <memory>

#include "core/engine.h"

namespace dofa {

class SharedViews {
 public:
  SharedViews() = default;
  SharedViews(Napi::Env env, const SharedBuffers& buffers, bool allowExternal);

  Napi::Value input() const { return input_.Value(); }
  Napi::Value output() const { return output_.Value(); }
  // True when the views are copies (external buffers refused or not allowed).
  bool mirrored() const { return mirrored_; }

  // Copies: before a run on the shared input as written, the first `floats` floats of the input view in.
  void CopyInputIn(const SharedBuffer& input, size_t floats);
  // Copies: after a run, the output out (and the input, which preprocessing wrote, after an image).
  void CopyOut(const SharedBuffers& buffers, bool inputWritten);

 private:
  Napi::Reference<Napi::ArrayBuffer> input_;
  Napi::Reference<Napi::ArrayBuffer> output_;
  bool mirrored_ = false;
};

}  // namespace dofa
