/** What this build can run, and where. */
import { BackendUnavailableError } from '../errors';
import { getBinding } from '../native/addon';
import { resolveOrtLibrary } from '../native/ort-library';
import { assertKnownDevice, type BackendName, backendOf, type Device, devicesOf, isDevice, isTrtDevice, tensorRtDevicesHere } from '../devices/devices';
import { tensorRtStatus, type TensorRtStatus } from './tensorrt-status';

export interface BackendInfo {
  name: BackendName;
  devices: Device[];
  /** Compiled into this build and usable on this machine. */
  available: boolean;
  version?: string;
  /** Why it is not available: for TensorRT, which library is missing or refused and what to install. */
  reason?: string;
  /** Something to know although it is available (TensorRT releases without DLA). */
  note?: string;
}

/** The backends this build knows about, with whether each can run here. */
export function backends(): BackendInfo[] {
  return backendList(tensorRtStatus(getBinding()));
}

/**
 * TensorRT's status when `device` is a TensorRT device, else undefined: asked once by a caller that needs it twice
 * (tensorrtInfo() initializes CUDA on the first call), and passed to {@link assertDeviceAvailable} and on.
 */
export function tensorRtStatusFor(device: unknown): TensorRtStatus | undefined {
  return isDevice(device) && isTrtDevice(device) ? tensorRtStatus(getBinding()) : undefined;
}

/** The backends, given TensorRT's status. */
function backendList(trt: TensorRtStatus): BackendInfo[] {
  const compiled = getBinding().backends();
  const list: BackendInfo[] = [];
  if (compiled.includes('onnxruntime-cpu')) {
    try {
      list.push({ name: 'onnxruntime-cpu', devices: devicesOf('onnxruntime-cpu'), available: true, version: getBinding().runtimeVersion(resolveOrtLibrary()) });
    } catch (error) {
      list.push({ name: 'onnxruntime-cpu', devices: devicesOf('onnxruntime-cpu'), available: false, reason: (error as Error).message });
    }
  }
  list.push({
    name: 'tensorrt',
    devices: trt.info?.cuda ? tensorRtDevicesHere(trt.info.dlaCores) : devicesOf('tensorrt'),
    available: trt.reason === undefined,
    ...(trt.info ? { version: trt.info.version } : trt.probe?.version ? { version: trt.probe.version } : {}),
    ...(trt.reason !== undefined ? { reason: trt.reason } : {}),
    ...(trt.info?.dlaNote ? { note: trt.info.dlaNote } : {}),
  });
  return list;
}

/** Throws unless `device` is a known device that a backend of this build can run; `trt`: TensorRT's status, if asked already. */
export function assertDeviceAvailable(device: unknown, trt?: TensorRtStatus): asserts device is Device {
  assertKnownDevice(device);
  const backendFor = backendOf(device);
  // Only what is compiled in is checked here; a library that fails to load reports itself (E_RUNTIME_LOAD).
  if (backendFor === 'onnxruntime-cpu' && getBinding().backends().includes(backendFor)) return;
  // The backends' state is looked up only for TensorRT devices and for the message (once).
  const known = backendList(trt ?? tensorRtStatus(getBinding()));
  if (backendFor !== 'onnxruntime-cpu' && known.some((b) => b.name === backendFor && b.available && b.devices.includes(device))) return;
  const reason = known.find((b) => b.name === backendFor)?.reason ?? `this machine has no ${device}`;
  const available = known.filter((b) => b.available).flatMap((b) => b.devices);
  throw new BackendUnavailableError('E_BACKEND_UNAVAILABLE', `device '${device}' is not available: ${reason}. Available: ${available.join(', ') || 'none'}`);
}
