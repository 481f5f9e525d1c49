import { DEVICES, nativeTarget } from '../lib/backends';

describe('what the addon is told for each device', () => {
  it('names a backend and a DLA core, never a device', () => {
    expect(DEVICES.map((d) => [d, nativeTarget(d)])).toEqual([
      ['cpu', { backend: 'onnxruntime', dlaCore: -1 }],
      ['gpu', { backend: 'tensorrt', dlaCore: -1 }],
      ['dla0', { backend: 'tensorrt', dlaCore: 0 }],
      ['dla1', { backend: 'tensorrt', dlaCore: 1 }],
    ]);
  });
});
