/**
 * A TensorRT addon for lib/ tests on machines without TensorRT: its "plans" name the ONNX file they were built
 * from, and it loads them with the real addon's ONNX Runtime backend. Everything lib/ does around TensorRT runs
 * for real (engine files and their headers, the engine cache, the addon's process-wide DLA reservations); only the
 * accelerator is the CPU. It counts tensorrtInfo() calls and refuses the plans `refuse` picks, as TensorRT refuses
 * a plan of another build (an E_MODEL_LOAD error naming the engine file in `rejectedModel`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { makeError } from '../../lib/errors';
import type { NativeBinding, NativeTensorRtInfo } from '../../lib/native/addon';
import { resolveOrtLibrary } from '../../lib/native/ort-library';

/** What a fake plan holds: its ONNX file, and which build (1, 2, ...) of this fake made it. */
export interface FakePlan {
  onnx: string;
  build: number;
}

export interface FakeTensorRt {
  binding: NativeBinding;
  infoCalls: number;
  /** The plans built, in order. */
  builds: FakePlan[];
  /** buildEngine's positional values, per call. */
  buildCalls: Array<Parameters<NonNullable<NativeBinding['buildEngine']>>>;
  /** Plans to refuse at load (as TensorRT refuses a plan of another build). */
  refuse: (plan: FakePlan) => boolean;
  /** DLA loadables the built engine of an ONNX file has (its inspector JSON says so). */
  dlaLoadables: (onnx: string) => number;
}

const info: NativeTensorRtInfo = {
  version: '8.5.2', encoded: 8502, build: 'libnvinfer of 1234 bytes', compiledVersion: '8.5.2.2', compiledEncoded: 8502, cudaHeaders: '11.8', dlaCores: 2,
  cuda: { ordinal: 0, name: 'Xavier', computeCapability: '7.2', multiProcessors: 6, integrated: true, canMapHostMemory: true, totalMemory: 8e9, runtimeVersion: 11040, driverVersion: 11040 },
};

/** A fake TensorRT addon over `real` (the addon this machine has). */
export function fakeTensorRt(real: NativeBinding): FakeTensorRt {
  const fake: FakeTensorRt = {
    infoCalls: 0, builds: [], buildCalls: [], refuse: () => false, dlaLoadables: () => 1,
    binding: {
      ...real,
      backends: () => [...real.backends(), 'tensorrt'],
      runtimeVersion: (library) => real.runtimeVersion(library),
      tensorrtProbe: () => ({ available: true, canBuild: true, version: info.version, build: info.build, compiled: { tensorrt: '8.5.2.2', cuda: '11.8' }, libraries: [] }),
      tensorrtInfo: () => {
        fake.infoCalls += 1;
        return info;
      },
      buildEngine: async (...args) => build(fake, args),
      loadModel: async (...args) => load(fake, real, args),
    },
  };
  return fake;
}

type BuildArgs = Parameters<NonNullable<NativeBinding['buildEngine']>>;

/**
 * A plan of the ONNX file for the DLA core (-1: the GPU). The positional values are asserted as the addon does
 * (their kinds), as a contract violation.
 */
function build(fake: FakeTensorRt, args: BuildArgs): ReturnType<NonNullable<NativeBinding['buildEngine']>> {
  fake.buildCalls.push(args);
  const [onnx, dlaCore, precision, gpuFallback, workspaceBytes, ...rest] = args;
  const onProgress = rest.pop();
  const kinds = args.length === 9 && [onnx, precision, ...rest].every((v) => typeof v === 'string') && Number.isInteger(dlaCore) &&
    typeof gpuFallback === 'boolean' && Number.isSafeInteger(workspaceBytes) && (onProgress === null || typeof onProgress === 'function');
  if (!kinds) throw makeError('E_INTERNAL', `binding contract: buildEngine(${args.map((a) => typeof a).join(', ')})`);
  const plan: FakePlan = { onnx, build: fake.builds.length + 1 };
  fake.builds.push(plan);
  const bytes = Buffer.from(JSON.stringify(plan));
  const dla = dlaCore < 0 ? 0 : fake.dlaLoadables(onnx);
  const layers = [...Array.from({ length: dla }, (_, i) => ({ Name: `{ForeignNode[dla${i}]}`, LayerType: 'DLA' })), { Name: 'reduce', LayerType: 'Reduce' }];
  return Promise.resolve({
    plan: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length),
    report: {
      tensorrtVersion: info.version, tensorrtEncoded: info.encoded, tensorrtBuild: info.build, buildMs: 1, layers: 3, dlaLayers: dla, gpuFallbackLayers: 1,
      fallbackLayerNames: [], engineInformation: JSON.stringify({ Layers: layers }), planBytes: bytes.length,
      timingCacheLoaded: false, timingCacheSaved: false, calibrationCacheWritten: false, warnings: [],
    },
  });
}

/** The plans' ONNX files loaded by the real addon, on ONNX Runtime, the rest of the positional values as given. */
function load(fake: FakeTensorRt, real: NativeBinding, args: Parameters<NativeBinding['loadModel']>): ReturnType<NativeBinding['loadModel']> {
  const [models, offsets, , subnets, resolutions, dlaLoadables, , dlaCore, dlaLoadableLimit, , , ...rest] = args;
  const plans = models.map((file, i) => JSON.parse(fs.readFileSync(file).subarray(offsets[i]).toString('utf8')) as FakePlan);
  const refused = plans.findIndex((plan) => fake.refuse(plan));
  if (refused >= 0) {
    const file = models[refused]!;
    const error = Object.assign(makeError('E_MODEL_LOAD', `'${file}': TensorRT cannot deserialize it (built by another TensorRT build, or for another GPU?)`), { rejectedModel: file });
    return Promise.reject(error);
  }
  return real.loadModel(plans.map((p) => path.resolve(p.onnx)), plans.map(() => 0), plans.map(() => ''), subnets, resolutions, dlaLoadables,
    'onnxruntime-cpu', dlaCore, dlaLoadableLimit, resolveOrtLibrary(), 1, ...rest);
}
