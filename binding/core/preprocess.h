// 8-bit images to the normalized NCHW float input of a sub-network, in one pass:
// bilinear resize with half-pixel centres (PyTorch's interpolate(align_corners=False), no antialias),
// channel conversion, then (x/255 - mean[c]) / std[c].
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace dofa {

enum class PixelFormat { kGray, kRgb, kBgr, kRgba, kBgra };

// The one table of pixel format names (lib/image/image.ts's PIXEL_FORMATS). Returns false for an unknown name.
bool ParsePixelFormat(const std::string& name, PixelFormat* format);
int BytesPerPixel(PixelFormat format);

struct Image {
  const uint8_t* data = nullptr;
  size_t byteLength = 0;
  int width = 0;
  int height = 0;
  size_t stride = 0;  // bytes per row
  PixelFormat format = PixelFormat::kRgb;
};

// What the model expects: 1 channel (gray) or 3 channels in `format` order (kRgb or kBgr).
struct ModelInputSpec {
  int channels = 3;
  PixelFormat format = PixelFormat::kRgb;
  float mean[3] = {0, 0, 0};
  float std[3] = {1, 1, 1};
};

// True when PreprocessImage may read the image: positive sizes, a stride of at least one row, and bytes that cover
// stride * (height - 1) + one row. lib/model/input-checks.ts checks images for users; this is the binding contract's assert.
bool ImageFits(const Image& image);

// Writes channels x outHeight x outWidth floats to `out`.
void PreprocessImage(const Image& image, const ModelInputSpec& spec, int outHeight, int outWidth, float* out);

}  // namespace dofa
