// Native results as JS values: one run's result, and the per-sub-network description of a family.
#pragma once

#include <napi.h>

#include <cstddef>

#include "core/family.h"

namespace dofa {

// { subnet, latencyMs, deviceMs?, preprocessMs }
Napi::Object MakeRunResult(Napi::Env env, size_t subnet, const RunResult& result);
// [{ input: {name, shape}, output: {name, shape}, warmupMs }] in sub-network order.
Napi::Array DescribeSubnets(Napi::Env env, const Family& family);

}  // namespace dofa
