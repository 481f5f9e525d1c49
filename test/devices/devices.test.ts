// The one device list (lib/devices/devices.ts) and what reads it.
import { availableDevices, backendOf, DEVICES, devicesOf, dlaCoreOf, isDevice, tensorRtDevicesHere } from '../../lib/devices/devices';
import { backends } from '../../lib';
import { validateProfile } from '../../lib/family/latency-profile';

describe('the device list', () => {
  it('names each device, its backend and its DLA core', () => {
    expect(DEVICES).toEqual(['cpu', 'gpu', 'dla0', 'dla1']);
    expect(DEVICES.map(backendOf)).toEqual(['onnxruntime-cpu', 'tensorrt', 'tensorrt', 'tensorrt']);
    expect(DEVICES.map(dlaCoreOf)).toEqual([-1, -1, 0, 1]);
    expect(devicesOf('tensorrt')).toEqual(['gpu', 'dla0', 'dla1']);
    expect(devicesOf('onnxruntime-cpu')).toEqual(['cpu']);
  });

  it('recognizes only its own names', () => {
    expect(DEVICES.every(isDevice)).toBe(true);
    for (const other of ['tpu', 'dla2', 'toString', '', 3, null]) expect(isDevice(other)).toBe(false);
  });

  it('derives what a machine has from its DLA cores and CUDA device', () => {
    expect(tensorRtDevicesHere(0)).toEqual(['gpu']);
    expect(tensorRtDevicesHere(1)).toEqual(['gpu', 'dla0']);
    expect(tensorRtDevicesHere(2)).toEqual(['gpu', 'dla0', 'dla1']);
    expect(availableDevices(undefined)).toEqual(['cpu']);
    expect(availableDevices({ dlaCores: 2 })).toEqual(['cpu']);
    expect(availableDevices({ cuda: {}, dlaCores: 1 })).toEqual(['cpu', 'gpu', 'dla0']);
  });

  it('is what backends() reports for this build', () => {
    const list = backends();
    expect(list.find((b) => b.name === 'onnxruntime-cpu')?.devices).toEqual(devicesOf('onnxruntime-cpu'));
    const trt = list.find((b) => b.name === 'tensorrt')!;
    expect(trt.devices.every((d) => backendOf(d) === 'tensorrt')).toBe(true);
  });

  it('is what latency profiles accept: a device and the backend that runs it', () => {
    const problemsFor = (device: unknown, backend: string): string[] =>
      validateProfile({ device, backend: { name: backend, version: '1' } }).filter((p) => p.path === '/device' || p.path.startsWith('/backend')).map((p) => p.path);
    expect(problemsFor('dla1', 'tensorrt')).toEqual([]);
    expect(problemsFor('cpu', 'onnxruntime-cpu')).toEqual([]);
    expect(problemsFor('gpu', 'onnxruntime-cpu')).toEqual(['/backend/name']);
    expect(problemsFor('tpu', 'tensorrt')).toEqual(['/device']);
  });
});
