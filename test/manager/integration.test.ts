// The runtime manager driving the real addon: DynamicModel satisfies the manager's model interface as it is.
import { type DynamicModel, type Image, type InferenceResult, loadFamily, ManagerError, RuntimeManager, type SwitchEvent } from '../../lib';
import { maxAbsDiff, tinyFamily } from '../helpers';

describe('RuntimeManager on the real addon', () => {
  let model: DynamicModel;
  const image: Image = { data: new Uint8Array(32 * 24 * 3).map((_, i) => (i * 11) % 256), width: 32, height: 24, format: 'rgb' };

  beforeAll(async () => {
    model = await loadFamily(tinyFamily, { warmupRuns: 10 });
  });
  afterAll(() => model.close());

  it('runs the sub-network it decides on, and the result is that sub-network\'s output', async () => {
    const manager = new RuntimeManager<Image, InferenceResult>(model, { latencyTargetMs: 1000 });
    const { result, decision } = await manager.infer(image);
    // A generous target: the most accurate sub-network.
    expect(decision.subnet).toBe(model.subnets.length - 1);
    expect(result.subnet).toBe(decision.subnet);
    expect(decision.measuredMs).toBe(result.latencyMs);
    expect(maxAbsDiff(result.output, model.inferSync(image, { subnet: decision.subnet }).output)).toBe(0);
  });

  it('constraints changed mid-run move it between levels, with switch events naming from and to', async () => {
    const manager = new RuntimeManager<Image, InferenceResult>(model, { latencyTargetMs: 1000 });
    const switches: SwitchEvent[] = [];
    manager.on('switch', (e: SwitchEvent) => switches.push(e));
    for (let i = 0; i < 5; i++) await manager.infer(image);
    expect(manager.current?.subnet).toBe(3);
    // Only the fastest can meet a target below the second level's profiled latency.
    const between = (model.subnets[0]!.latencyMs + model.subnets[1]!.latencyMs) / 2;
    manager.setConstraints({ latencyTargetMs: Math.max(between, model.subnets[0]!.latencyMs * 1.01) });
    const after: number[] = [];
    for (let i = 0; i < 5; i++) after.push((await manager.infer(image)).decision.subnet);
    expect(after[0]).toBeLessThan(3);
    expect(switches.length).toBeGreaterThanOrEqual(1);
    expect(switches.at(-1)!.from?.subnet).toBe(3);
    expect(switches.at(-1)!.to.subnet).toBe(after[0]);
    // The objective 'latency' with an accuracy floor: the fastest sub-network at or above the floor.
    manager.setConstraints({ objective: 'latency', accuracyFloor: model.subnets[2]!.accuracy });
    const { decision } = await manager.infer(image);
    expect(decision.subnet).toBe(2);
    expect(manager.stats().frames).toBe(11);
  });

  it('a target nothing can meet: runs the fastest, reports the conflict and violations', async () => {
    const manager = new RuntimeManager<Image, InferenceResult>(model, { latencyTargetMs: 1e-6 });
    const violations: unknown[] = [];
    manager.on('violation', (v) => violations.push(v));
    const { decision } = await manager.infer(image);
    await manager.infer(image);
    expect(decision.subnet).toBe(0);
    expect(decision.conflict).toBe('latency-target-unreachable');
    expect(violations.length).toBeGreaterThanOrEqual(1);
  });

  it.each([
    [{ latencyTargetMs: -1 }, 'E_CONSTRAINTS_INVALID'],
    [{ latencyTargetMs: Number.NaN }, 'E_CONSTRAINTS_INVALID'],
    [{ fps: 0 }, 'E_CONSTRAINTS_INVALID'],
    [{ devices: ['gpu'] }, 'E_DEVICE_UNKNOWN'],
  ])('bad constraints %j: %s, and the old constraints stay in force', async (constraints, code) => {
    expect(() => new RuntimeManager(model, constraints as never)).toThrow(expect.objectContaining({ code }));
    const manager = new RuntimeManager<Image, InferenceResult>(model, { latencyTargetMs: 1000 });
    expect(() => manager.setConstraints(constraints as never)).toThrow(ManagerError);
    expect(manager.constraints).toEqual({ latencyTargetMs: 1000 });
    expect((await manager.infer(image)).decision.subnet).toBe(3);
  });

  it('an empty family: E_FAMILY_EMPTY', () => {
    const empty = { device: 'cpu', subnets: [], infer: model.infer.bind(model) };
    expect(() => new RuntimeManager(empty, { latencyTargetMs: 10 })).toThrow(expect.objectContaining({ code: 'E_FAMILY_EMPTY' }));
  });
});
