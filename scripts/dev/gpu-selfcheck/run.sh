#!/usr/bin/env bash
# The GPU self-check, run ON the GPU machine from the repository root (README.md beside this file):
#   bash scripts/dev/gpu-selfcheck/run.sh [BUNDLE]   (default build-standin/gpu-selfcheck/bundle/dynamic-ofa-gpu-selfcheck.tar.xz)
# Unpacks the bundle that prepare.js made into a temporary folder, finds the machine's real libcudart.so.12 and
# puts it first on LD_LIBRARY_PATH, points DYNAMIC_OFA_TENSORRT_LIBRARY_PATH at the bundle's stand-in TensorRT (no
# libcudart there), runs check.js with the bundled Node and writes selfcheck.json, selfcheck.log and machine.txt
# to $OUT (else build-standin/gpu-selfcheck/out). Exits non-zero on any failure, and when the device is the
# stand-in's ("dynamic-ofa stand-in ...") unless SELFCHECK_ALLOW_STANDIN=1 (the rehearsal on a machine without GPU).
# SELFCHECK_CUDA_DIR: a folder whose libcudart.so.12 is used instead of searching (the rehearsal's stand-in).
set -uo pipefail

BUNDLE=${1:-build-standin/gpu-selfcheck/bundle/dynamic-ofa-gpu-selfcheck.tar.xz}
OUT_DIR=${OUT:-$PWD/build-standin/gpu-selfcheck/out}
FAMILY=${SELFCHECK_FAMILY:-$PWD/engines/fashion-ofa}
CHECK_TIMEOUT_S=${SELFCHECK_TIMEOUT_S:-300}
CUDART=libcudart.so.12

say() { echo "[selfcheck] $*"; }

unpack() {
  local bundle=$1 dest=$2
  if command -v xz >/dev/null && tar -xJf "$bundle" -C "$dest" 2>/dev/null; then return 0; fi
  # No xz on the machine: Python's tarfile reads .tar.xz too.
  python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$bundle" "$dest"
}

# Folders where a pip-installed CUDA runtime or PyTorch keep libcudart, found without importing them.
python_cuda_dirs() {
  command -v python3 >/dev/null || return 0
  python3 - <<'EOF' 2>/dev/null
import importlib.util, os
for name in ('nvidia.cuda_runtime', 'torch'):
    try:
        spec = importlib.util.find_spec(name)
    except Exception:
        continue
    for folder in (spec.submodule_search_locations or []) if spec else []:
        print(os.path.join(folder, 'lib'))
EOF
}

python_site_dirs() {
  command -v python3 >/dev/null || return 0
  python3 -c 'import site, sysconfig; print("\n".join(site.getsitepackages() + [sysconfig.get_paths()["purelib"]]))' 2>/dev/null
}

# Prints "PATH<TAB>SOURCE" of the first libcudart.so.12 found, in the order of the README.
find_cudart() {
  local dir file
  if [ -n "${SELFCHECK_CUDA_DIR:-}" ]; then
    [ -e "$SELFCHECK_CUDA_DIR/$CUDART" ] && printf '%s\t%s\n' "$SELFCHECK_CUDA_DIR/$CUDART" "SELFCHECK_CUDA_DIR" && return 0
    say "SELFCHECK_CUDA_DIR=$SELFCHECK_CUDA_DIR has no $CUDART" >&2
    return 1
  fi
  file=$(ldconfig -p 2>/dev/null | awk -v name="$CUDART" '$1 == name && /x86-64/ { print $NF; exit }')
  [ -n "$file" ] && [ -e "$file" ] && printf '%s\t%s\n' "$file" "ldconfig -p" && return 0
  for file in /usr/local/cuda*/lib64/$CUDART /usr/local/cuda*/targets/x86_64-linux/lib/$CUDART; do
    [ -e "$file" ] && printf '%s\t%s\n' "$file" "CUDA toolkit folder" && return 0
  done
  while read -r dir; do
    [ -n "$dir" ] && [ -e "$dir/$CUDART" ] && printf '%s\t%s\n' "$dir/$CUDART" "Python package folder" && return 0
  done < <(python_cuda_dirs)
  while read -r dir; do
    [ -d "$dir" ] || continue
    file=$(find "$dir" -maxdepth 5 -name "$CUDART*" \( -type f -o -type l \) 2>/dev/null | sort | head -n 1)
    [ -n "$file" ] && printf '%s\t%s\n' "$file" "found under Python's site-packages" && return 0
  done < <(python_site_dirs)
  [ -e "$BUNDLE_ROOT/cudart-fallback/$CUDART" ] &&
    printf '%s\t%s\n' "$BUNDLE_ROOT/cudart-fallback/$CUDART" "bundled NVIDIA CUDA 12.4 runtime (Debian libcudart12): the machine has no $CUDART" && return 0
  return 1
}

# What the machine has, for the record (machine.txt): GPU, driver, every libcudart in the usual places.
describe_machine() {
  echo "uname: $(uname -a)"
  [ -r /etc/os-release ] && grep -E '^PRETTY_NAME=' /etc/os-release
  echo "glibc: $(ldd --version 2>/dev/null | head -n 1)"
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1
  echo "libcudart in ldconfig:"; ldconfig -p 2>/dev/null | grep -F libcudart.so || echo "  none"
  echo "libcudart in CUDA folders:"; ls -1 /usr/local/cuda*/lib64/libcudart.so* /usr/local/cuda*/targets/*/lib/libcudart.so* 2>/dev/null || echo "  none"
  echo "libcudart under Python's site-packages:"
  while read -r dir; do [ -d "$dir" ] && find "$dir" -maxdepth 5 -name 'libcudart.so*' 2>/dev/null; done < <(python_site_dirs) | sort -u
}

# The summary's device name, read with the bundled Node.
device_name() {
  "$BUNDLE_ROOT/bin/node" -e 'const s = require(process.argv[1]); process.stdout.write((s.device && s.device.name) || "")' "$1" 2>/dev/null
}

main() {
  [ -f "$BUNDLE" ] || { say "no bundle at $BUNDLE (run: node scripts/dev/gpu-selfcheck/prepare.js)"; return 2; }
  [ -d "$FAMILY" ] || { say "no family at $FAMILY"; return 2; }
  local work
  work=$(mktemp -d /tmp/dofa-gpu-selfcheck.XXXXXX)
  trap 'rm -rf "$work"' EXIT
  unpack "$BUNDLE" "$work" || { say "cannot unpack $BUNDLE"; return 2; }
  BUNDLE_ROOT=$work/selfcheck
  say "bundle: $BUNDLE ($(stat -c %s "$BUNDLE") bytes), $(tr -d '\n ' < "$BUNDLE_ROOT/MANIFEST.json" | grep -o '"commit":"[0-9a-f]*"')"
  describe_machine > "$OUT_DIR/machine.txt" 2>&1
  cat "$OUT_DIR/machine.txt"

  local found cudart source
  found=$(find_cudart) || { say "no $CUDART found (ldconfig, /usr/local/cuda*, Python packages, the bundle)"; return 2; }
  cudart=$(readlink -f "${found%%$'\t'*}")
  source=${found#*$'\t'}
  say "CUDA runtime: ${found%%$'\t'*} ($source) -> $cudart"
  # A folder with libcudart alone goes first on LD_LIBRARY_PATH: the stand-in libnvinfer (NEEDED libcudart.so.12,
  # RUNPATH $ORIGIN) and the addon's dlopen both take it, and nothing else of the folder it came from is picked up.
  mkdir -p "$work/cudart"
  ln -s "$cudart" "$work/cudart/$CUDART"

  export LD_LIBRARY_PATH="$work/cudart${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  export DYNAMIC_OFA_TENSORRT_LIBRARY_PATH="$BUNDLE_ROOT/tensorrt"
  export DYNAMIC_OFA_BINARY="$BUNDLE_ROOT/addon/dynamic_ofa.node"
  export DYNAMIC_OFA_ORT_LIBRARY="$BUNDLE_ROOT/lib/libonnxruntime.so.1"
  export DYNAMIC_OFA_STANDIN_ORT_LIBRARY="$DYNAMIC_OFA_ORT_LIBRARY"
  # Read only by the stand-in CUDA runtime (the rehearsal): a discrete GPU like the H100, no DLA.
  export DYNAMIC_OFA_STANDIN_DEVICE=discrete
  export SELFCHECK_EXPECTED_CUDART="$cudart" SELFCHECK_CUDART_SOURCE="$source"

  timeout "$CHECK_TIMEOUT_S" "$BUNDLE_ROOT/bin/node" "$BUNDLE_ROOT/check.js" --package "$BUNDLE_ROOT/package" \
    --family "$FAMILY" --work "$work/run" --json "$OUT_DIR/selfcheck.json"
  local status=$?
  [ "$status" -eq 124 ] && say "check.js ran past ${CHECK_TIMEOUT_S} s"
  [ -f "$OUT_DIR/selfcheck.json" ] || { say "no summary written"; return 1; }

  local name
  name=$(device_name "$OUT_DIR/selfcheck.json")
  if [[ "$name" == *stand-in* ]] && [ "${SELFCHECK_ALLOW_STANDIN:-}" != 1 ]; then
    say "REFUSED: the CUDA device is '$name', the stand-in's, not a GPU (SELFCHECK_ALLOW_STANDIN=1 is for the rehearsal)"
    return 3
  fi
  if [ "$status" -ne 0 ]; then
    say "FAILED (check.js exit $status) on '${name:-no device}'"
    return 1
  fi
  say "passed on '$name' with $cudart"
  return 0
}

mkdir -p "$OUT_DIR"
main 2>&1 | tee "$OUT_DIR/selfcheck.log"
exit "${PIPESTATUS[0]}"
