import { tensorRtStatus } from '../../lib/backends/tensorrt-status';
import type { NativeBinding, NativeTensorRtInfo, NativeTensorRtProbe } from '../../lib/native/addon';

const probe = (available: boolean, reason?: string): NativeTensorRtProbe => ({
  available, canBuild: available, compiled: { tensorrt: '8.5.2.2', cuda: '11.8' }, libraries: [], ...(reason ? { reason } : {}),
});
const info: NativeTensorRtInfo = {
  version: '8.5.2', encoded: 8502, build: 'libnvinfer of 1234 bytes', compiledVersion: '8.5.2.2', compiledEncoded: 8502, cudaHeaders: '11.8', dlaCores: 2,
  cuda: { ordinal: 0, name: 'Xavier', computeCapability: '7.2', multiProcessors: 6, integrated: true, canMapHostMemory: true, totalMemory: 8e9, runtimeVersion: 11040, driverVersion: 11040 },
};

/** A binding with only what tensorRtStatus asks; the rest would throw if called. */
function binding(parts: { backends: string[]; probe?: () => NativeTensorRtProbe; info?: () => NativeTensorRtInfo }): NativeBinding {
  return {
    backends: () => parts.backends,
    ...(parts.probe ? { tensorrtProbe: parts.probe } : {}),
    ...(parts.info ? { tensorrtInfo: parts.info } : {}),
  } as unknown as NativeBinding;
}

describe('whether TensorRT can run here', () => {
  it('the CPU build: not compiled in, and tensorrtInfo is never called', () => {
    expect(tensorRtStatus(binding({ backends: ['onnxruntime-cpu'] }))).toEqual({ compiled: false, reason: expect.stringMatching(/TensorRT is not in this build/) });
  });

  it('a TensorRT build without its libraries: the probe\'s reason, and tensorrtInfo is not called', () => {
    const reason = 'libnvinfer.so.8 was not found (...); JetPack 5 ships it as libnvinfer8';
    const status = tensorRtStatus(binding({ backends: ['onnxruntime-cpu', 'tensorrt'], probe: () => probe(false, reason), info: () => { throw new Error('must not be called'); } }));
    expect(status).toMatchObject({ compiled: true, reason: `TensorRT cannot be loaded: ${reason}` });
    expect(status.info).toBeUndefined();
  });

  it('libraries loaded: the CUDA device decides; an error from tensorrtInfo becomes the reason', () => {
    const ok = tensorRtStatus(binding({ backends: ['tensorrt'], probe: () => probe(true), info: () => info }));
    expect(ok).toMatchObject({ compiled: true, info });
    expect(ok.reason).toBeUndefined();
    const noDevice = tensorRtStatus(binding({ backends: ['tensorrt'], probe: () => probe(true), info: () => ({ ...info, cuda: undefined, cudaError: 'no CUDA device is usable' }) as NativeTensorRtInfo }));
    expect(noDevice.reason).toBe('no usable CUDA device: no CUDA device is usable');
    const thrown = tensorRtStatus(binding({ backends: ['tensorrt'], probe: () => probe(true), info: () => { throw new Error('createInferRuntime failed'); } }));
    expect(thrown.reason).toBe('createInferRuntime failed');
  });
});
