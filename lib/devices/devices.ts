/**
 * The one list of devices: each device's name, the backend that runs it and, for TensorRT, its DLA core.
 * Backends, latency profiles, the engine cache and the CLI all read it from here, so a device is added here
 * and nowhere else.
 */
import { InvalidArgumentError } from '../errors';
import { describeValue } from '../util/describe-value';

/** Where a family can run: the CPU (ONNX Runtime), or a Jetson's GPU or one of its DLA cores (TensorRT). */
export type Device = 'cpu' | 'gpu' | 'dla0' | 'dla1';

/** The devices TensorRT runs. */
export type TrtDevice = Exclude<Device, 'cpu'>;

/** The backends of this package, as `backends()` names them. */
export type BackendName = 'onnxruntime-cpu' | 'tensorrt';

interface DeviceSpec<D extends Device> {
  readonly backend: D extends TrtDevice ? 'tensorrt' : 'onnxruntime-cpu';
  /** -1: not a DLA core (the CPU, the GPU). */
  readonly dlaCore: number;
}

// Typed so that the compiler holds the table and the two types above to the same facts.
const DEVICE_TABLE: { readonly [D in Device]: DeviceSpec<D> } = {
  cpu: { backend: 'onnxruntime-cpu', dlaCore: -1 },
  gpu: { backend: 'tensorrt', dlaCore: -1 },
  dla0: { backend: 'tensorrt', dlaCore: 0 },
  dla1: { backend: 'tensorrt', dlaCore: 1 },
};

/** Every device this package knows, in the order menus and tables list them. */
export const DEVICES: readonly Device[] = Object.freeze(Object.keys(DEVICE_TABLE) as Device[]);

export function isDevice(value: unknown): value is Device {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(DEVICE_TABLE, value);
}

/** Throws E_INVALID_ARGUMENT unless `value` names a device of DEVICES. */
export function assertKnownDevice(value: unknown): asserts value is Device {
  if (!isDevice(value)) throw new InvalidArgumentError('E_INVALID_ARGUMENT', `device must be one of ${DEVICES.join(', ')}; got ${describeValue(value)}`);
}

/** The backend that runs `device`. */
export function backendOf(device: Device): BackendName {
  return DEVICE_TABLE[device].backend;
}

/** True for the devices TensorRT runs. */
export function isTrtDevice(device: Device): device is TrtDevice {
  return backendOf(device) === 'tensorrt';
}

/** -1 for the GPU (and the CPU), n for dla<n>. */
export function dlaCoreOf(device: Device): number {
  return DEVICE_TABLE[device].dlaCore;
}

/** The devices `backend` runs, in list order. */
export function devicesOf<B extends BackendName>(backend: B): (B extends 'tensorrt' ? TrtDevice : Device)[] {
  return DEVICES.filter((d) => backendOf(d) === backend) as (B extends 'tensorrt' ? TrtDevice : Device)[];
}

/** The TensorRT devices a machine has: the GPU, and the DLA cores it reports. */
export function tensorRtDevicesHere(dlaCores: number): TrtDevice[] {
  return devicesOf('tensorrt').filter((d) => dlaCoreOf(d) < dlaCores);
}

/** Devices this build and machine can use: the CPU, plus the TensorRT devices where TensorRT found a CUDA device. */
export function availableDevices(tensorrt: { cuda?: unknown; dlaCores: number } | undefined): Device[] {
  return [...devicesOf('onnxruntime-cpu'), ...(tensorrt?.cuda ? tensorRtDevicesHere(tensorrt.dlaCores) : [])];
}
