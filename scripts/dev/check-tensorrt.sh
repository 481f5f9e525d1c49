#!/usr/bin/env bash
# Compile-checks every TensorRT source of the addon (compiled, not linked) against every TensorRT header tree
# with CUDA_INCLUDE_DIR's headers, and against every other CUDA tree with the TensorRT trees of the JetPack that
# ships that CUDA major (11: TensorRT 8.x, 12: 10.x; CHECK_TENSORRT_ALL=1: every pair): g++ -std=c++17 -O3
# -Wall -Wextra -Werror, the flags of the real build, compiled to nothing (a syntax-only pass misses warnings such
# as an unused function that only one TensorRT version leaves unused). Then the table of CUDA entry points the addon resolves with dlsym (binding/trt/cuda_api.h) is printed for
# each CUDA tree and checked against Debian's libcudart of that version where one is in deps/ (every symbol
# exported; against CUDA 11.2's library, only what OldestCudaRuntime() says is newer may be missing).
# Nothing here needs a GPU or the TensorRT libraries; it does not prove the code runs (that needs a Jetson).
#
#   npm run check:tensorrt                                # every tree under deps/tensorrt-*/include and deps/cuda-*/include
#   TENSORRT_INCLUDE_DIR=/path/include npm run check:tensorrt   # one TensorRT tree (e.g. /usr/include/aarch64-linux-gnu)
#   CUDA_INCLUDE_DIR=/usr/local/cuda/include (default; checked besides the deps/cuda-* trees)
#   CUDA trees and libraries: node scripts/build/fetch-cuda-headers.js 11.8 12.4 (Debian's non-free nvidia-cuda-dev)
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
if [ -z "$NODE_API_HEADERS" ] || [ ! -f "$NODE_API_HEADERS/node_api.h" ]; then
  echo "check:tensorrt: node-api-headers not found (npm install)" >&2
  exit 2
fi

if [ -n "${TENSORRT_INCLUDE_DIR:-}" ]; then
  TREES=("$TENSORRT_INCLUDE_DIR")
else
  mapfile -t TREES < <(ls -d deps/tensorrt-*/include 2>/dev/null | sort -V || true)
fi
if [ "${#TREES[@]}" -eq 0 ]; then
  echo "check:tensorrt: no TensorRT headers: set TENSORRT_INCLUDE_DIR or export trees into deps/tensorrt-<version>/include (see this script's header)" >&2
  exit 2
fi
mapfile -t CUDA_TREES < <({ ls -d deps/cuda-*/include 2>/dev/null || true; [ -f "$CUDA_INCLUDE_DIR/cuda_runtime_api.h" ] && echo "$CUDA_INCLUDE_DIR"; } | sort -V)
if [ "${#CUDA_TREES[@]}" -eq 0 ]; then
  echo "check:tensorrt: no CUDA headers at $CUDA_INCLUDE_DIR or deps/cuda-*/include (set CUDA_INCLUDE_DIR, or node scripts/build/fetch-cuda-headers.js)" >&2
  exit 2
fi

# "<MAJOR>.<MINOR>..." of a header tree, through the preprocessor (TensorRT 10.11+ defines the macros through others).
preprocessed() {
  printf '#include <%s>\n%s\n' "$2" "$3" | g++ -E -P -x c++ -isystem "$1" - 2>/dev/null | tail -n 1 | tr -d ' '
}

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
failed=0
for cuda in "${CUDA_TREES[@]}"; do
  cudart="$(preprocessed "$cuda" cuda_runtime_api.h CUDART_VERSION)"
  cuda_version="$((cudart / 1000)).$(((cudart % 1000) / 10))"
  if [ "$cudart" -lt 11040 ]; then
    echo "skip CUDA $cuda_version ($cuda): older than CUDA 11.4 (JetPack 5), whose runtime functions the addon calls"
    continue
  fi
  for tree in "${TREES[@]}"; do
    version="$(preprocessed "$tree" NvInferVersion.h NV_TENSORRT_MAJOR.NV_TENSORRT_MINOR.NV_TENSORRT_PATCH.NV_TENSORRT_BUILD)"
    if [ "$cuda" != "$CUDA_INCLUDE_DIR" ] && [ "${CHECK_TENSORRT_ALL:-0}" != 1 ]; then
      case "$((cudart / 1000)):${version%%.*}" in 11:8 | 12:10) ;; *) continue ;; esac
    fi
    if [ ! -f "$tree/NvOnnxParser.h" ]; then
      echo "FAIL $tree: NvOnnxParser.h missing (add it from onnx/onnx-tensorrt, see this script's header)"
      failed=1
      continue
    fi
    # One compiler per source, as many at once as there are cores; each failure leaves its output in $WORK.
    printf '%s\n' "${SOURCES[@]}" | xargs -P "$(nproc)" -I{} sh -c '
      g++ -std=c++17 -O3 -DNDEBUG -fPIC -fvisibility=hidden -c -o /dev/null -Wall -Wextra -Werror -DDYNAMIC_OFA_WITH_TENSORRT -DNAPI_VERSION=8 -DNAPI_CPP_EXCEPTIONS \
        -DNODE_ADDON_API_DISABLE_DEPRECATED -Ibinding -isystem "$1" -isystem "$2" -isystem "$3" -isystem "$4" -isystem "$5" "{}" \
        > "$6/$(echo "{}" | tr / _).log" 2>&1 || echo "{}" >> "$6/failed"' sh \
      "$tree" "$cuda" "$NAPI_INCLUDE" "$NODE_API_HEADERS" "${ONNXRUNTIME_INCLUDE_DIR:-deps/onnxruntime/include}" "$WORK"
    if [ -s "$WORK/failed" ]; then
      while read -r source; do
        echo "FAIL TensorRT $version ($tree), CUDA $cuda_version ($cuda): $source"
        cat "$WORK/$(echo "$source" | tr / _).log"
      done < "$WORK/failed"
      rm -f "$WORK/failed"
      failed=1
    else
      echo "ok   TensorRT $version ($tree), CUDA $cuda_version ($cuda): ${#SOURCES[@]} sources"
    fi
  done

  # The dlopen table of this CUDA tree: the symbols it resolves, checked against Debian's libcudart where present.
  printf '#include <cstdio>\n#include "trt/cuda_api.h"\nint main() {\n  dofa::trt::CudaApi api;\n  for (const auto& s : dofa::trt::CudaSymbols(&api)) std::printf("%%s\\n", s.name.c_str());\n  const auto oldest = dofa::trt::OldestCudaRuntime();\n  std::printf("oldest %%d.%%d\\n", oldest.major, oldest.minor);\n}\n' > "$WORK/table.cc"
  if ! g++ -std=c++17 -Wall -Wextra -Werror -Ibinding -isystem "$cuda" "$WORK/table.cc" binding/trt/cuda_api.cc binding/trt/runtime_loader.cc -ldl -o "$WORK/table"; then
    echo "FAIL CUDA $cuda_version ($cuda): the dlopen table does not compile"
    failed=1
    continue
  fi
  "$WORK/table" > "$WORK/symbols"
  oldest="$(sed -n 's/^oldest //p' "$WORK/symbols")"
  symbols="$(grep -v '^oldest ' "$WORK/symbols")"
  echo "ok   CUDA $cuda_version dlopen table: $(echo "$symbols" | wc -l) entry points, oldest runtime $oldest ($(echo "$symbols" | grep -c '_v2$' || true) renamed by the headers to *_v2)"
  major="${cuda_version%%.*}"
  exported="$WORK/exported"
  for library in deps/cuda-*/lib-amd64/libcudart.so.*; do
    [ -f "$library" ] || continue
    lib_version="$(basename "$(dirname "$(dirname "$library")")")"
    lib_version="${lib_version#cuda-}"
    [ "${lib_version%%.*}" = "$major" ] || continue
    nm -D --defined-only "$library" > "$exported"
    missing="$(for s in $symbols; do grep -q " $s@" "$exported" || echo "$s"; done | tr '\n' ' ')"
    if [ "$(printf '%s\n' "$lib_version" "$oldest" | sort -V | head -n 1)" = "$oldest" ]; then
      if [ -n "$missing" ]; then
        echo "FAIL CUDA $cuda_version table against libcudart $lib_version ($library): missing $missing"
        failed=1
      else
        echo "ok   CUDA $cuda_version table against libcudart $lib_version: every entry point exported"
      fi
    else
      echo "ok   CUDA $cuda_version table against libcudart $lib_version (older than $oldest, refused at run time): missing ${missing:-nothing}"
    fi
  done
done
exit "$failed"
