/** What this build can run, and where. */
import { BackendUnavailableError, InvalidArgumentError } from './errors';
import { getBinding, type NativeBackend, resolveOrtLibrary } from './native';

export type Device = 'cpu' | 'gpu' | 'dla0' | 'dla1';
export const DEVICES: readonly Device[] = ['cpu', 'gpu', 'dla0', 'dla1'];

export interface BackendInfo {
  name: 'onnxruntime-cpu' | 'tensorrt';
  devices: Device[];
  /** Compiled into this build and usable on this machine. */
  available: boolean;
  version?: string;
  /** Why it is not available. */
  reason?: string;
}

/** The backends this build knows about, with whether each can run here. */
export function backends(): BackendInfo[] {
  const compiled = getBinding().backends();
  const list: BackendInfo[] = [];
  if (compiled.includes('onnxruntime-cpu')) {
    try {
      list.push({ name: 'onnxruntime-cpu', devices: ['cpu'], available: true, version: getBinding().runtimeVersion(resolveOrtLibrary()) });
    } catch (error) {
      list.push({ name: 'onnxruntime-cpu', devices: ['cpu'], available: false, reason: (error as Error).message });
    }
  }
  const trt = compiled.includes('tensorrt') ? getBinding().tensorrtInfo?.() : undefined;
  if (!trt) {
    list.push({
      name: 'tensorrt',
      devices: ['gpu', 'dla0', 'dla1'],
      available: false,
      reason: 'not compiled in: TensorRT and CUDA were not found when this addon was built',
    });
  } else {
    const dla: Device[] = trt.dlaCores >= 2 ? ['dla0', 'dla1'] : trt.dlaCores === 1 ? ['dla0'] : [];
    list.push({
      name: 'tensorrt',
      devices: ['gpu', ...dla],
      available: trt.cuda !== undefined,
      version: trt.version,
      ...(trt.cuda ? {} : { reason: `no usable CUDA device: ${trt.cudaError ?? 'unknown'}` }),
    });
  }
  return list;
}

/** What the addon is told for a device: its backend, and the DLA core (-1: the GPU, or no TensorRT). */
export function nativeTarget(device: Device): { backend: NativeBackend; dlaCore: number } {
  if (device === 'cpu') return { backend: 'onnxruntime', dlaCore: -1 };
  return { backend: 'tensorrt', dlaCore: device === 'gpu' ? -1 : Number(device.slice(3)) };
}

/** Throws unless `device` is a known device that a backend of this build can run. */
export function assertDeviceAvailable(device: unknown): asserts device is Device {
  if (typeof device !== 'string' || !(DEVICES as readonly string[]).includes(device)) {
    throw new InvalidArgumentError('E_INVALID_ARGUMENT', `device must be one of ${DEVICES.join(', ')}; got ${JSON.stringify(device)}`);
  }
  // Only what is compiled in is checked here; a library that fails to load reports itself (E_RUNTIME_LOAD).
  const compiled = getBinding().backends();
  const backendFor = device === 'cpu' ? 'onnxruntime-cpu' : 'tensorrt';
  const usable = device === 'cpu' ? compiled.includes(backendFor) : backends().some((b) => b.name === 'tensorrt' && b.available && b.devices.includes(device as Device));
  if (!usable) {
    const reason = backends().find((b) => b.name === backendFor)?.reason ?? `this machine has no ${device}`;
    const available = backends().filter((b) => b.available).flatMap((b) => b.devices);
    throw new BackendUnavailableError('E_BACKEND_UNAVAILABLE', `device '${device}' is not available: ${reason}. Available: ${available.join(', ') || 'none'}`);
  }
}
