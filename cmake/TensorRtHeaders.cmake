# Finds the TensorRT and CUDA headers the TensorRT backend compiles against, and reads their versions through the
# compiler's preprocessor (from TensorRT 10.11 on NV_TENSORRT_MAJOR is defined through another macro, so the
# header's text is not the version). Works with CMake 3.16 and when cross-compiling (nothing built here runs).
#
# dynamic_ofa_find_tensorrt_headers(<found-var> <problem-var>) sets, when found: TENSORRT_INCLUDE_DIR,
# TENSORRT_ONNX_PARSER_INCLUDE_DIR, CUDA_INCLUDE_DIR, DYNAMIC_OFA_TENSORRT_VERSION ("8.5.2.2"),
# DYNAMIC_OFA_CUDA_VERSION ("11.8"); otherwise <problem-var> says what is missing and how to point at it.

# Prints the values of `expressions` (macro names) after including `header` from `include_dirs`.
function(_dofa_preprocess result header expressions)
  set(_source "${CMAKE_BINARY_DIR}/dynamic-ofa-version-probe.cc")
  file(WRITE ${_source} "#include <${header}>\ndynamic_ofa_version=${expressions}\n")
  set(_includes "")
  foreach(_dir ${ARGN})
    list(APPEND _includes "-I${_dir}")
  endforeach()
  execute_process(
    COMMAND ${CMAKE_CXX_COMPILER} -E -P -x c++ ${_includes} ${_source}
    OUTPUT_VARIABLE _output ERROR_VARIABLE _error RESULT_VARIABLE _status)
  if(NOT _status EQUAL 0)
    set(${result} "" PARENT_SCOPE)
    return()
  endif()
  string(REGEX MATCH "dynamic_ofa_version=([^\n]*)" _line "${_output}")
  string(REPLACE " " "" _value "${CMAKE_MATCH_1}")
  set(${result} "${_value}" PARENT_SCOPE)
endfunction()

# Inside dynamic_ofa_find_tensorrt_headers: sets its <problem-var> to the joined strings and returns from it.
macro(_dofa_problem)
  string(CONCAT _problem ${ARGN})
  set(${problem} "${_problem}" PARENT_SCOPE)
  return()
endmacro()

function(dynamic_ofa_find_tensorrt_headers found problem)
  set(${found} FALSE PARENT_SCOPE)
  if(NOT TENSORRT_ROOT AND DEFINED ENV{TENSORRT_ROOT})
    set(TENSORRT_ROOT $ENV{TENSORRT_ROOT})
  endif()
  set(_trt_hints /usr/include/aarch64-linux-gnu /usr/include/x86_64-linux-gnu /usr/include)
  if(TENSORRT_ROOT)
    set(_trt_hints ${TENSORRT_ROOT}/include)
  endif()
  find_path(TENSORRT_INCLUDE_DIR NvInferVersion.h PATHS ${_trt_hints} NO_DEFAULT_PATH)
  find_path(TENSORRT_ONNX_PARSER_INCLUDE_DIR NvOnnxParser.h PATHS ${TENSORRT_INCLUDE_DIR} ${_trt_hints} NO_DEFAULT_PATH)

  if(NOT CUDA_INCLUDE_DIR AND DEFINED ENV{CUDA_INCLUDE_DIR})
    set(CUDA_INCLUDE_DIR $ENV{CUDA_INCLUDE_DIR} CACHE PATH "CUDA runtime headers" FORCE)
  endif()
  set(_cuda_hints /usr/local/cuda/include /usr/include)
  if(CUDAToolkit_ROOT)
    list(INSERT _cuda_hints 0 ${CUDAToolkit_ROOT}/include)
  elseif(DEFINED ENV{CUDA_PATH})
    list(INSERT _cuda_hints 0 $ENV{CUDA_PATH}/include)
  endif()
  find_path(CUDA_INCLUDE_DIR cuda_runtime_api.h PATHS ${_cuda_hints} NO_DEFAULT_PATH)

  # Messages join lists with commas: a ';' would split the macro's arguments.
  string(REPLACE ";" ", " _trt_hint_text "${_trt_hints}")
  string(REPLACE ";" ", " _cuda_hint_text "${_cuda_hints}")
  if(TENSORRT_INCLUDE_DIR AND NOT EXISTS ${TENSORRT_INCLUDE_DIR}/NvInferVersion.h)
    set(TENSORRT_INCLUDE_DIR "")
  endif()
  if(CUDA_INCLUDE_DIR AND NOT EXISTS ${CUDA_INCLUDE_DIR}/cuda_runtime_api.h)
    _dofa_problem("the CUDA runtime headers (cuda_runtime_api.h) are not in CUDA_INCLUDE_DIR=${CUDA_INCLUDE_DIR}")
  endif()
  if(NOT TENSORRT_INCLUDE_DIR)
    _dofa_problem("TensorRT's headers (NvInferVersion.h, NvInfer.h) were not found in ${_trt_hint_text}. Set TENSORRT_ROOT "
                   "(a folder with include/) or -DTENSORRT_INCLUDE_DIR (JetPack: libnvinfer-dev)")
  endif()
  if(NOT TENSORRT_ONNX_PARSER_INCLUDE_DIR)
    _dofa_problem("NvOnnxParser.h was not found beside ${TENSORRT_INCLUDE_DIR}. Set -DTENSORRT_ONNX_PARSER_INCLUDE_DIR "
                   "(JetPack: libnvonnxparsers-dev)")
  endif()
  if(NOT CUDA_INCLUDE_DIR)
    _dofa_problem("the CUDA runtime headers (cuda_runtime_api.h) were not found in ${_cuda_hint_text}. Set CUDA_INCLUDE_DIR, "
                   "CUDAToolkit_ROOT or CUDA_PATH (JetPack: cuda-cudart-dev-11-4 or -12-6)")
  endif()
  _dofa_preprocess(_trt NvInferVersion.h "NV_TENSORRT_MAJOR.NV_TENSORRT_MINOR.NV_TENSORRT_PATCH.NV_TENSORRT_BUILD"
                   ${TENSORRT_INCLUDE_DIR})
  _dofa_preprocess(_cudart cuda_runtime_api.h "CUDART_VERSION" ${CUDA_INCLUDE_DIR})
  if(NOT _trt MATCHES "^[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+$" OR NOT _cudart MATCHES "^[0-9]+$")
    _dofa_problem("the TensorRT (${TENSORRT_INCLUDE_DIR}) or CUDA (${CUDA_INCLUDE_DIR}) headers do not preprocess "
                   "to a version with ${CMAKE_CXX_COMPILER} (got '${_trt}', '${_cudart}')")
  endif()
  math(EXPR _cuda_major "${_cudart} / 1000")
  math(EXPR _cuda_minor "(${_cudart} % 1000) / 10")
  set(DYNAMIC_OFA_TENSORRT_VERSION ${_trt} PARENT_SCOPE)
  set(DYNAMIC_OFA_CUDA_VERSION "${_cuda_major}.${_cuda_minor}" PARENT_SCOPE)
  set(${found} TRUE PARENT_SCOPE)
endfunction()
