#include "napi/run_args.h"

#include <cmath>
#include <string>

#include "napi/js_args.h"
#include "napi/js_errors.h"

namespace dofa {
namespace {

// Only conversion: lib/model/input-checks.ts has checked the frame; Family::CheckRequest asserts that its bytes cover it.
void ParseFrame(const Napi::Object& object, Frame* frame) {
  Napi::Value data = object.Get("data");
  if (!data.IsTypedArray() || data.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    ThrowContractJs(object.Env(), "frame `data` must be a Uint8Array");
  }
  Napi::Uint8Array bytes = data.As<Napi::Uint8Array>();
  frame->data = bytes.Data();
  frame->byteLength = bytes.ByteLength();
  frame->width = static_cast<int>(GetInteger(object, "width", 1, 1 << 16));
  frame->height = static_cast<int>(GetInteger(object, "height", 1, 1 << 16));
  if (!ParsePixelFormat(GetString(object, "format"), &frame->format)) ThrowContractJs(object.Env(), "frame `format` is no pixel format");
  const int64_t rowBytes = int64_t{frame->width} * BytesPerPixel(frame->format);
  frame->stride = static_cast<size_t>(GetInteger(object, "stride", rowBytes, 1, kMaxSafeInteger));
}

}  // namespace

RunRequest ParseRunRequest(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) ThrowContractJs(env, "run(subnet, input?) needs a sub-network index");
  const double index = info[0].As<Napi::Number>().DoubleValue();
  // Only what the cast needs; the family's range is Family::CheckRequest's.
  if (!(index >= 0 && index <= static_cast<double>(kMaxSafeInteger)) || std::floor(index) != index) {
    ThrowContractJs(env, "the sub-network index must be a non-negative integer");
  }
  RunRequest request;
  request.subnet = static_cast<size_t>(index);
  Napi::Value input = info.Length() > 1 ? info[1] : env.Undefined();
  if (input.IsTypedArray() && input.As<Napi::TypedArray>().TypedArrayType() == napi_float32_array) {
    Napi::Float32Array floats = input.As<Napi::Float32Array>();
    request.floats = floats.Data();
    request.floatCount = floats.ElementLength();
  } else if (input.IsObject() && !input.IsTypedArray() && !input.IsArray() && !input.IsFunction()) {
    ParseFrame(input.As<Napi::Object>(), &request.frame);
    request.hasFrame = true;
  } else if (!input.IsUndefined() && !input.IsNull()) {
    ThrowContractJs(env, "input must be a Float32Array, a frame or undefined");
  }
  return request;
}

}  // namespace dofa
