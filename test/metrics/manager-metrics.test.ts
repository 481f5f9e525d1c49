// Prometheus metrics of a runtime manager, checked after a scripted run: a fake model with fixed latencies, the
// constraints tightened twice (the second time beyond reach), every value read back from the registry.
import { Registry, register as defaultRegistry } from 'prom-client';
import { RuntimeManager, type Image, type InferenceResult, type ManagedModel, type ManagedSubnet } from '../../lib';
import { managerMetrics } from '../../lib/metrics';

const SUBNETS: readonly ManagedSubnet[] = [
  { index: 0, id: 'A', accuracy: 70, latencyMs: 1 },
  { index: 1, id: 'B', accuracy: 80, latencyMs: 2 },
  { index: 2, id: 'C', accuracy: 90, latencyMs: 4 },
];

/** Runs every sub-network at exactly its profiled latency. */
const model: ManagedModel<null> = {
  device: 'cpu',
  subnets: SUBNETS,
  infer: async (_input, options) => ({ subnet: options!.subnet!, latencyMs: SUBNETS[options!.subnet!]!.latencyMs }),
};

type Json = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;
/** The value of a metric's sample with these labels (and sample name, for histograms). */
function value(metrics: Json, name: string, labels: Record<string, string> = {}, metricName?: string): number | undefined {
  const metric = metrics.find((m) => m.name === name);
  const sample = (metric?.values as { value: number; labels: Record<string, unknown>; metricName?: string }[] | undefined)?.find(
    (v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l) && (metricName === undefined || v.metricName === metricName),
  );
  return sample?.value;
}

async function scriptedRun(manager: RuntimeManager<null>): Promise<void> {
  for (let i = 0; i < 20; i++) await manager.infer(null); // target 10 ms: C (4 ms) meets it
  manager.setConstraints({ latencyTargetMs: 3 }); // B (2 ms)
  for (let i = 0; i < 10; i++) await manager.infer(null);
  manager.setConstraints({ latencyTargetMs: 0.5, accuracyFloor: 60 }); // nothing fits: the fastest, A, misses
  for (let i = 0; i < 5; i++) await manager.infer(null);
}

describe('managerMetrics', () => {
  it('counts frames, deadlines, latencies per sub-network, switches by reason and conflicts; reads level and constraints', async () => {
    const registry = new Registry();
    const manager = new RuntimeManager(model, { latencyTargetMs: 10 });
    const reasons: string[] = [];
    manager.on('switch', (e) => reasons.push(e.reason));
    managerMetrics(manager, { registry });
    const before = await registry.getMetricsAsJSON();
    expect(value(before, 'dynamic_ofa_active_level')).toBe(-1);
    expect(value(before, 'dynamic_ofa_inference_latency_seconds', { subnet: 'C', device: 'cpu' }, 'dynamic_ofa_inference_latency_seconds_count')).toBe(0); // every series from the start

    await scriptedRun(manager);
    const m = await registry.getMetricsAsJSON();
    const stats = manager.stats();
    expect(value(m, 'dynamic_ofa_frames_total')).toBe(35);
    expect(value(m, 'dynamic_ofa_deadlines_met_total')).toBe(30);
    expect(stats).toMatchObject({ frames: 35, deadlineMet: 30, conflictFrames: 5 });
    const count = (subnet: string) => value(m, 'dynamic_ofa_inference_latency_seconds', { subnet, device: 'cpu' }, 'dynamic_ofa_inference_latency_seconds_count');
    const sum = (subnet: string) => value(m, 'dynamic_ofa_inference_latency_seconds', { subnet, device: 'cpu' }, 'dynamic_ofa_inference_latency_seconds_sum');
    expect([count('A'), count('B'), count('C')]).toEqual([5, 10, 20]);
    expect(sum('C')).toBeCloseTo(20 * 0.004, 9);
    expect(value(m, 'dynamic_ofa_inference_latency_seconds', { subnet: 'C', device: 'cpu', le: 0.005 } as never, 'dynamic_ofa_inference_latency_seconds_bucket')).toBe(20);
    expect(value(m, 'dynamic_ofa_inference_latency_seconds', { subnet: 'C', device: 'cpu', le: 0.0025 } as never, 'dynamic_ofa_inference_latency_seconds_bucket')).toBe(0);
    expect(reasons).toEqual(['initial', 'constraints-changed', 'constraints-changed']);
    expect(value(m, 'dynamic_ofa_switches_total', { reason: 'initial' })).toBe(1);
    expect(value(m, 'dynamic_ofa_switches_total', { reason: 'constraints-changed' })).toBe(2);
    expect(value(m, 'dynamic_ofa_conflicts_total', { kind: 'latency-target-unreachable' })).toBe(1);
    expect(value(m, 'dynamic_ofa_conflict_frames_total')).toBe(5);
    expect(value(m, 'dynamic_ofa_active_level')).toBe(0);
    expect(m.find((x) => x.name === 'dynamic_ofa_active_subnet_info')!.values).toEqual([{ value: 1, labels: { subnet: 'A', device: 'cpu' } }]);
    expect(value(m, 'dynamic_ofa_latency_target_seconds')).toBeCloseTo(0.0005, 12);
    expect(value(m, 'dynamic_ofa_accuracy_floor_ratio')).toBeCloseTo(0.6, 12);
    expect(m.find((x) => x.name === 'dynamic_ofa_objective_info')!.values).toEqual([{ value: 1, labels: { objective: 'accuracy' } }]);
    // the exposition Prometheus scrapes
    const text = await registry.metrics();
    expect(text).toMatch(/^# TYPE dynamic_ofa_inference_latency_seconds histogram$/m);
    expect(text).toMatch(/^dynamic_ofa_frames_total 35$/m);
  });

  it('a prefix of your own; detach() stops counting and unregisters; the default registry when none is given', async () => {
    const registry = new Registry();
    const manager = new RuntimeManager(model, { latencyTargetMs: 10 });
    const metrics = managerMetrics(manager, { registry, prefix: 'robot_' });
    expect(metrics.names).toContain('robot_frames_total');
    expect(metrics.names.every((n) => n.startsWith('robot_'))).toBe(true);
    await manager.infer(null);
    expect(value(await registry.getMetricsAsJSON(), 'robot_frames_total')).toBe(1);
    metrics.detach();
    expect(await registry.getMetricsAsJSON()).toEqual([]);
    expect(manager.listenerCount('frame')).toBe(0);
    const again = managerMetrics(manager, { registry, prefix: 'robot_' }); // the names are free again
    await manager.infer(null);
    expect(value(await registry.getMetricsAsJSON(), 'robot_frames_total')).toBe(1);
    again.detach();
    // type check: the manager of a real model (an image in, an InferenceResult out) is accepted as it is
    expect(typeof ((real: RuntimeManager<Image, InferenceResult>) => managerMetrics(real, { registry }))).toBe('function');

    const inDefault = managerMetrics(manager);
    expect(inDefault.registry).toBe(defaultRegistry);
    expect(defaultRegistry.getSingleMetric('dynamic_ofa_frames_total')).toBeDefined();
    inDefault.detach();
    expect(defaultRegistry.getSingleMetric('dynamic_ofa_frames_total')).toBeUndefined();
  });

  it('no manager, or options that are not an object: E_INVALID_ARGUMENT, nothing registered', () => {
    const registry = new Registry();
    for (const bad of [undefined, null, {}]) {
      expect(() => managerMetrics(bad as never, { registry })).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT', message: expect.stringMatching(/^managerMetrics needs a RuntimeManager; got /) }));
    }
    const manager = new RuntimeManager(model, { latencyTargetMs: 10 });
    expect(() => managerMetrics(manager, null as never)).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT', message: 'metrics options must be an object or omitted; got null' }));
    expect(registry.getMetricsAsArray()).toHaveLength(0);
  });

  it('without prom-client installed it is E_DEPENDENCY_MISSING saying how to install it', () => {
    jest.isolateModules(() => {
      jest.doMock('prom-client', () => {
        throw Object.assign(new Error("Cannot find module 'prom-client' from 'lib/metrics/prom-client.ts'"), { code: 'MODULE_NOT_FOUND' });
      });
      const { managerMetrics: isolated } = require('../../lib/metrics') as typeof import('../../lib/metrics');
      const manager = new RuntimeManager(model, { latencyTargetMs: 10 });
      expect(() => isolated(manager)).toThrow(expect.objectContaining({ code: 'E_DEPENDENCY_MISSING', dependency: 'prom-client', message: expect.stringMatching(/npm install prom-client/) }));
      // the missing dependency is said first, whatever the manager argument
      expect(() => isolated({} as never)).toThrow(expect.objectContaining({ code: 'E_DEPENDENCY_MISSING' }));
    });
  });
});
