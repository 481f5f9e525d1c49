// What a model describes about itself as JS values: its sub-networks, and the accelerator memory it holds.
#pragma once

#include <napi.h>

#include "core/model.h"

namespace dofa {

// [{ input: {name, shape}, output: {name, shape}, warmupMs, activationBytes }] in sub-network order.
Napi::Array DescribeSubnets(Napi::Env env, const Model& model);
// { sharedActivationBytes, inputBytes, outputBytes, mappedBuffers, cudaGraphs }: the accelerator memory the model
// holds besides its engines, whether its shared buffers are mapped (zero-copy), and how many engines replay a graph.
Napi::Object DescribeDeviceMemory(Napi::Env env, const Model& model);

}  // namespace dofa
