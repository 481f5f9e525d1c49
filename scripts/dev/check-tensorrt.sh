#!/usr/bin/env bash
# Compile-checks every TensorRT source of the addon (syntax and types, no link) against one TensorRT header tree
# and CUDA's headers: g++ -std=c++17 -fsyntax-only -Wall -Wextra -Werror, exactly the flags of the real build.
# Nothing here needs a GPU or the TensorRT libraries; it does not prove the code runs (that needs a Jetson).
#
#   npm run check:tensorrt                                # every tree found under deps/tensorrt-*/include
#   TENSORRT_INCLUDE_DIR=/path/include npm run check:tensorrt   # one tree (e.g. /usr/include/aarch64-linux-gnu)
#   CUDA_INCLUDE_DIR=/usr/local/cuda/include (default)
#
# Getting the header trees (read-only use; they stay in the git-ignored deps/ folder, never committed):
#   git clone https://github.com/NVIDIA/TensorRT trt && git clone https://github.com/onnx/onnx-tensorrt onnx-trt
#   # TensorRT 8.5.2 (JetPack 5.1.x, Xavier NX): public headers + the ONNX parser header its submodule pins
#   mkdir -p deps/tensorrt-8.5.2 && git -C trt archive 8.5.2 include | tar -x -C deps/tensorrt-8.5.2
#   git -C onnx-trt show 7583da4:NvOnnxParser.h > deps/tensorrt-8.5.2/include/NvOnnxParser.h
#   # TensorRT 10.3 (JetPack 6.1/6.2, Orin): the pinned parser commit (62bdde2) is not public; 10.1-GA's header
#   # declares the same IParser calls used here
#   mkdir -p deps/tensorrt-10.3 && git -C trt archive v10.3.0 include | tar -x -C deps/tensorrt-10.3
#   git -C onnx-trt show 10.1-GA:NvOnnxParser.h > deps/tensorrt-10.3/include/NvOnnxParser.h
#   # optional: 8.6.1 (parser: `git -C trt ls-tree v8.6.1 parsers/onnx` gives the pin), 10.16 and 11.1
#   # (v10.14+ ship NvOnnxParser.h in include/ themselves)
# (`git ls-tree <tag> parsers/onnx` in the TensorRT clone prints the parser pin of any tag.)
set -euo pipefail
cd "$(dirname "$0")/../.."

CUDA_INCLUDE_DIR="${CUDA_INCLUDE_DIR:-/usr/local/cuda/include}"
# Every source of binding/trt/ and TensorRT's JS functions (napi/trt_*.cc), compiled only with TensorRT, and every
# other source with a TensorRT branch.
mapfile -t SOURCES < <(ls binding/trt/*.cc binding/napi/trt_*.cc; grep -l DYNAMIC_OFA_WITH_TENSORRT binding/{core,napi,ort}/*.cc)
for source in "${SOURCES[@]}"; do
  if ! grep -qF "$source" CMakeLists.txt; then
    echo "check:tensorrt: $source is not in CMakeLists.txt's source lists" >&2
    exit 1
  fi
done
NAPI_INCLUDE="$(node -p "require('node-addon-api').include_dir")"
NODE_API_HEADERS="$(node -p "require('path').join(require.resolve('node-api-headers/package.json'), '..', 'include')" 2>/dev/null || true)"
if [ ! -f "$CUDA_INCLUDE_DIR/cuda_runtime_api.h" ]; then
  echo "check:tensorrt: no CUDA headers at $CUDA_INCLUDE_DIR (set CUDA_INCLUDE_DIR)" >&2
  exit 2
fi
if [ -z "$NODE_API_HEADERS" ] || [ ! -f "$NODE_API_HEADERS/node_api.h" ]; then
  echo "check:tensorrt: node-api-headers not found (npm install)" >&2
  exit 2
fi

if [ -n "${TENSORRT_INCLUDE_DIR:-}" ]; then
  TREES=("$TENSORRT_INCLUDE_DIR")
else
  mapfile -t TREES < <(ls -d deps/tensorrt-*/include 2>/dev/null | sort -V)
fi
if [ "${#TREES[@]}" -eq 0 ]; then
  echo "check:tensorrt: no TensorRT headers: set TENSORRT_INCLUDE_DIR or export trees into deps/tensorrt-<version>/include (see this script's header)" >&2
  exit 2
fi

failed=0
for tree in "${TREES[@]}"; do
  version="$(printf '#include <NvInferVersion.h>\nNV_TENSORRT_MAJOR.NV_TENSORRT_MINOR.NV_TENSORRT_PATCH.NV_TENSORRT_BUILD\n' |
    g++ -E -P -x c++ -isystem "$tree" - 2>/dev/null | tail -n 1 | tr -d ' ')"
  if [ ! -f "$tree/NvOnnxParser.h" ]; then
    echo "FAIL $tree: NvOnnxParser.h missing (add it from onnx/onnx-tensorrt, see this script's header)"
    failed=1
    continue
  fi
  ok=1
  for source in "${SOURCES[@]}"; do
    if ! g++ -std=c++17 -fsyntax-only -Wall -Wextra -Werror -DDYNAMIC_OFA_WITH_TENSORRT -DNAPI_VERSION=8 -DNAPI_CPP_EXCEPTIONS \
        -DNODE_ADDON_API_DISABLE_DEPRECATED -Ibinding -isystem "$tree" -isystem "$CUDA_INCLUDE_DIR" -isystem "$NAPI_INCLUDE" \
        -isystem "$NODE_API_HEADERS" -isystem "${ONNXRUNTIME_INCLUDE_DIR:-deps/onnxruntime/include}" "$source"; then
      echo "FAIL TensorRT $version ($tree): $source"
      ok=0
    fi
  done
  if [ "$ok" -eq 1 ]; then
    echo "ok   TensorRT $version ($tree): ${#SOURCES[@]} sources"
  else
    failed=1
  fi
done
exit "$failed"
