#include "core/preprocess.h"

#include <algorithm>
#include <vector>

namespace dofa {
namespace {

// Source coordinate taps for one output axis: half-pixel centres, clamped to the edge like PyTorch.
struct Taps {
  std::vector<int> low;
  std::vector<int> high;
  std::vector<float> weight;  // weight of `high`
};

Taps ComputeTaps(int inSize, int outSize) {
  Taps taps;
  taps.low.resize(outSize);
  taps.high.resize(outSize);
  taps.weight.resize(outSize);
  const float scale = static_cast<float>(inSize) / static_cast<float>(outSize);
  for (int i = 0; i < outSize; ++i) {
    float src = (static_cast<float>(i) + 0.5f) * scale - 0.5f;
    if (src < 0) src = 0;
    int low = static_cast<int>(src);
    if (low > inSize - 1) low = inSize - 1;
    const int high = std::min(low + 1, inSize - 1);
    taps.low[i] = low;
    taps.high[i] = high;
    taps.weight[i] = src - static_cast<float>(low);
  }
  return taps;
}

// Byte offsets of the source channel feeding model channel c (3-channel models), or -1 for luma.
void SourceChannels(PixelFormat image, PixelFormat model, int offsets[3]) {
  const bool imageBgr = image == PixelFormat::kBgr || image == PixelFormat::kBgra;
  for (int c = 0; c < 3; ++c) {
    const int rgbIndex = model == PixelFormat::kBgr ? 2 - c : c;  // which of R,G,B model channel c wants
    offsets[c] = imageBgr ? 2 - rgbIndex : rgbIndex;
  }
}

}  // namespace

bool ParsePixelFormat(const std::string& name, PixelFormat* format) {
  if (name == "gray") *format = PixelFormat::kGray;
  else if (name == "rgb") *format = PixelFormat::kRgb;
  else if (name == "bgr") *format = PixelFormat::kBgr;
  else if (name == "rgba") *format = PixelFormat::kRgba;
  else if (name == "bgra") *format = PixelFormat::kBgra;
  else return false;
  return true;
}

int BytesPerPixel(PixelFormat format) {
  switch (format) {
    case PixelFormat::kGray: return 1;
    case PixelFormat::kRgb:
    case PixelFormat::kBgr: return 3;
    case PixelFormat::kRgba:
    case PixelFormat::kBgra: return 4;
  }
  return 0;
}

bool ImageFits(const Image& image) {
  if (image.data == nullptr || image.width <= 0 || image.height <= 0) return false;
  const size_t row = static_cast<size_t>(image.width) * static_cast<size_t>(BytesPerPixel(image.format));
  if (row == 0 || image.stride < row || image.byteLength < row) return false;
  // Divided rather than multiplied: a huge stride must not overflow.
  const size_t rowsAfterFirst = static_cast<size_t>(image.height) - 1;
  return rowsAfterFirst == 0 || image.stride <= (image.byteLength - row) / rowsAfterFirst;
}

void PreprocessImage(const Image& image, const ModelInputSpec& spec, int outHeight, int outWidth, float* out) {
  const Taps ys = ComputeTaps(image.height, outHeight);
  const Taps xs = ComputeTaps(image.width, outWidth);
  const int bpp = BytesPerPixel(image.format);
  const size_t plane = static_cast<size_t>(outHeight) * outWidth;
  const bool grayImage = image.format == PixelFormat::kGray;
  int sourceOffset[3] = {0, 0, 0};
  if (!grayImage) SourceChannels(image.format, spec.format, sourceOffset);
  const bool imageBgr = image.format == PixelFormat::kBgr || image.format == PixelFormat::kBgra;

  // Reads one source value for model channel c at (x, y) as float in [0, 255].
  auto sample = [&](const uint8_t* row, int x, int c) -> float {
    const uint8_t* px = row + static_cast<size_t>(x) * bpp;
    if (grayImage) return px[0];
    if (spec.channels == 1) {  // colour image into a gray model: BT.601 luma
      const float r = px[imageBgr ? 2 : 0], g = px[1], b = px[imageBgr ? 0 : 2];
      return 0.299f * r + 0.587f * g + 0.114f * b;
    }
    return px[sourceOffset[c]];
  };

  for (int c = 0; c < spec.channels; ++c) {
    const float scale = 1.0f / (255.0f * spec.std[c]);
    const float shift = spec.mean[c] / spec.std[c];
    float* dst = out + plane * c;
    for (int y = 0; y < outHeight; ++y) {
      const uint8_t* row0 = image.data + image.stride * ys.low[y];
      const uint8_t* row1 = image.data + image.stride * ys.high[y];
      const float wy = ys.weight[y];
      for (int x = 0; x < outWidth; ++x) {
        const float wx = xs.weight[x];
        const float top = sample(row0, xs.low[x], c) * (1 - wx) + sample(row0, xs.high[x], c) * wx;
        const float bottom = sample(row1, xs.low[x], c) * (1 - wx) + sample(row1, xs.high[x], c) * wx;
        dst[static_cast<size_t>(y) * outWidth + x] = (top * (1 - wy) + bottom * wy) * scale - shift;
      }
    }
  }
}

}  // namespace dofa
