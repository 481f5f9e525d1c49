import { isManagerError, ManagerError, predictivePolicy, RuntimeManager, stepwisePolicy, type ManagedModel } from '../../lib';
import { buildCandidates } from '../../lib/manager/candidates';
import { normalizeConstraints } from '../../lib/manager/constraints';
import { DynamicOfaError } from '../../lib/errors';
import { NETS6 } from './fixtures';

const set = buildCandidates([
  { device: 'cpu', subnets: NETS6 },
  { device: 'gpu', subnets: NETS6 },
]);

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return isManagerError(e) ? e.code : `not a ManagerError: ${String(e)}`;
  }
  return undefined;
}

describe('constraints validation', () => {
  test.each([
    [{ latencyTargetMs: -5 }],
    [{ latencyTargetMs: 0 }],
    [{ latencyTargetMs: NaN }],
    [{ latencyTargetMs: Infinity }],
    [{ fps: -30 }],
    [{ fps: NaN }],
    [{ fps: Infinity }],
    [{ latencyTargetMs: 50, fps: 20 }],
    [{ accuracyFloor: NaN }],
    [{ accuracyFloor: -1 }],
    [{ accuracyFloor: 101 }],
    [{ objective: 'cheapest' }],
    [{ latencyTargetMs: '50' }],
    [{ latencyTarget: 50 }],
    [{ devices: [] }],
  ])('%j -> E_CONSTRAINTS_INVALID', (c) => {
    expect(codeOf(() => normalizeConstraints(c as never, set))).toBe('E_CONSTRAINTS_INVALID');
  });

  test('unknown device -> E_DEVICE_UNKNOWN naming the field', () => {
    let err: unknown;
    try {
      normalizeConstraints({ latencyTargetMs: 50, devices: ['gpu', 'dla0'] }, set);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ManagerError);
    expect(err).toBeInstanceOf(DynamicOfaError);
    expect((err as ManagerError).name).toBe('ManagerError');
    expect((err as ManagerError).code).toBe('E_DEVICE_UNKNOWN');
    expect((err as ManagerError).field).toBe('devices[1]');
    expect((err as ManagerError).message).toContain('dla0');
  });

  test('valid constraints normalise: fps to ms, defaults, device mask', () => {
    const c = normalizeConstraints({ fps: 20, devices: ['gpu'] }, set);
    expect(c.targetMs).toBeCloseTo(50, 10);
    expect(c.accuracyFloor).toBe(0);
    expect(c.objective).toBe('accuracy');
    expect(c.allowed).toEqual([false, true]);
    expect(normalizeConstraints({}, set).targetMs).toBe(Infinity);
    expect(normalizeConstraints({ objective: 'latency', accuracyFloor: 76 }, set).objective).toBe('latency');
  });

  test('empty family and no model -> E_FAMILY_EMPTY', () => {
    expect(codeOf(() => buildCandidates([]))).toBe('E_FAMILY_EMPTY');
    expect(codeOf(() => buildCandidates([{ device: 'cpu', subnets: [] }]))).toBe('E_FAMILY_EMPTY');
    expect(codeOf(() => buildCandidates([{ device: 'cpu', subnets: [{ index: 0, id: 'a', accuracy: 70, latencyMs: NaN }] }]))).toBe(
      'E_FAMILY_EMPTY',
    );
    expect(codeOf(() => buildCandidates([{ device: 'cpu', subnets: NETS6 }, { device: 'cpu', subnets: NETS6 }]))).toBe('E_OPTIONS_INVALID');
  });

  test('RuntimeManager constructor and setConstraints give typed errors and keep old constraints', () => {
    const model: ManagedModel<number> = {
      device: 'cpu',
      subnets: NETS6,
      infer: async (_x, o) => ({ subnet: o?.subnet ?? 0, latencyMs: 40 }),
    };
    const empty: ManagedModel<number> = { ...model, subnets: [] };
    expect(codeOf(() => new RuntimeManager(empty, { latencyTargetMs: 50 }))).toBe('E_FAMILY_EMPTY');
    expect(codeOf(() => new RuntimeManager([], { latencyTargetMs: 50 }))).toBe('E_FAMILY_EMPTY');
    expect(codeOf(() => new RuntimeManager(model, { latencyTargetMs: -1 }))).toBe('E_CONSTRAINTS_INVALID');
    expect(codeOf(() => new RuntimeManager(model, { latencyTargetMs: 50 }, { policy: 'greedy' as never }))).toBe('E_OPTIONS_INVALID');
    expect(codeOf(() => new RuntimeManager(model, { latencyTargetMs: 50 }, { margin: -0.1 }))).toBe('E_OPTIONS_INVALID');
    expect(codeOf(() => new RuntimeManager(model, { latencyTargetMs: 50 }, { sensingWaitingRise: 0 }))).toBe('E_OPTIONS_INVALID');
    // options of the wrong kind are named, not read through (a null would be a TypeError)
    for (const options of [null, 'predictive', 3]) {
      expect(() => new RuntimeManager(model, { latencyTargetMs: 50 }, options as never)).toThrow(
        expect.objectContaining({ code: 'E_OPTIONS_INVALID', field: 'options', message: expect.stringMatching(/^RuntimeManager options must be an object or omitted; got /) }),
      );
      expect(codeOf(() => predictivePolicy(options as never))).toBe('E_OPTIONS_INVALID');
      expect(codeOf(() => stepwisePolicy(options as never))).toBe('E_OPTIONS_INVALID');
    }
    expect(codeOf(() => new RuntimeManager(model, { latencyTargetMs: 50 }, { policy: 'stepwise', stepwise: null as never }))).toBe('E_OPTIONS_INVALID');
    const m = new RuntimeManager(model, { latencyTargetMs: 50 });
    expect(codeOf(() => m.setConstraints({ latencyTargetMs: NaN }))).toBe('E_CONSTRAINTS_INVALID');
    expect(codeOf(() => m.setConstraints({ latencyTargetMs: 50, devices: ['gpu'] }))).toBe('E_DEVICE_UNKNOWN');
    expect(m.normalizedConstraints.targetMs).toBe(50);
  });
});
