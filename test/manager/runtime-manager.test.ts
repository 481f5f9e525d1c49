import {
  isManagerError,
  RuntimeManager,
  type ConflictEvent,
  type ManagedModel,
  type ManagedSubnet,
  type SwitchEvent,
  type ViolationEvent,
} from '../../lib';
import { NETS6, NETS6_FAST } from './fixtures';

interface FakeResult {
  subnet: number;
  latencyMs: number;
  label: string;
}

/** A model whose latency is profile x slowdown(call number) x small jitter. */
class FakeModel implements ManagedModel<string, FakeResult> {
  calls: { input: string; subnet: number | undefined }[] = [];
  constructor(
    readonly device: string,
    readonly subnets: readonly ManagedSubnet[],
    private readonly slowdown: (call: number) => number,
    private readonly clock: { n: number },
  ) {}
  async infer(input: string, options?: { subnet?: number }): Promise<FakeResult> {
    const subnet = options?.subnet ?? 0;
    this.calls.push({ input, subnet });
    const t = this.clock.n;
    const s = this.subnets.find((x) => x.index === subnet);
    if (!s) throw new Error(`no subnet ${subnet}`);
    await new Promise((r) => setImmediate(r));
    return { subnet, latencyMs: s.latencyMs * this.slowdown(t) * (1 + 0.01 * Math.sin(t)), label: `${input}:${s.id}` };
  }
}

describe('RuntimeManager with a fake model', () => {
  test('infers on the chosen sub-network, fires switch and violation events, reports stats', async () => {
    const clock = { n: 0 };
    const model = new FakeModel('cpu', NETS6, (t) => (t >= 50 && t < 150 ? 1.5 : 1), clock);
    const m = new RuntimeManager(model, { latencyTargetMs: 70, accuracyFloor: 76 });
    const switches: SwitchEvent[] = [];
    const violations: ViolationEvent[] = [];
    m.on('switch', (e) => switches.push(e));
    m.on('violation', (e) => violations.push(e));
    for (; clock.n < 250; clock.n++) {
      const { result, decision } = await m.infer(`img${clock.n}`);
      expect(result.subnet).toBe(decision.subnet);
      expect(result.label).toBe(`img${clock.n}:${decision.id}`);
      expect(decision.measuredMs).toBe(result.latencyMs);
      expect(decision.met).toBe(result.latencyMs <= 70);
    }
    expect(model.calls.every((c) => c.subnet !== undefined)).toBe(true);
    // initial switch from nothing, one or two steps down at the start of contention, back up after
    expect(switches[0]).toMatchObject({ frame: 0, from: null, to: { subnet: 5, device: 'cpu' }, reason: 'initial' });
    const down = switches.filter((s) => s.reason === 'step-down');
    expect(down.length).toBeGreaterThanOrEqual(1);
    expect(down[0]!.frame).toBeGreaterThanOrEqual(51);
    expect(down[0]!.frame).toBeLessThanOrEqual(52);
    const up = switches.filter((s) => s.reason === 'step-up');
    expect(up.length).toBeGreaterThanOrEqual(1);
    expect(up[up.length - 1]!.to.subnet).toBe(5);
    expect(up[0]!.frame).toBeGreaterThan(150);
    // the violations are the reaction frames of the contention start
    expect(violations.map((v) => v.frame)).toEqual([50, 51]);
    expect(violations[0]!.measuredMs).toBeGreaterThan(70);
    const st = m.stats();
    expect(st.frames).toBe(250);
    expect(st.violations).toBe(2);
    expect(st.deadlineMetRate).toBeCloseTo(248 / 250, 12);
    expect(st.switches).toBe(switches.length - 1);
    expect(st.levels.reduce((a, l) => a + l.frames, 0)).toBe(250);
    expect(st.levels.find((l) => l.subnet === 5)!.frames).toBeGreaterThan(140);
    expect(st.meanAccuracy).toBeGreaterThan(76);
    expect(st.meanAccuracy).toBeLessThan(79.03);
    expect(st.policy).toBe('predictive');
  });

  test('setConstraints mid-run takes effect on the next inference, conflicts are reported', async () => {
    const clock = { n: 0 };
    const m = new RuntimeManager(new FakeModel('cpu', NETS6, () => 1, clock), { latencyTargetMs: 70 });
    const conflicts: ConflictEvent[] = [];
    m.on('conflict', (e) => conflicts.push(e));
    expect((await m.infer('a')).decision.subnet).toBe(5);
    m.setConstraints({ fps: 20 }); // 50 ms
    const d = (await m.infer('b')).decision;
    expect(d.reason).toBe('constraints-changed');
    expect(d.subnet).toBe(1);
    expect(d.targetMs).toBe(50);
    m.setConstraints({ latencyTargetMs: 50, accuracyFloor: 78 });
    const d2 = (await m.infer('c')).decision;
    expect(d2.conflict).toBe('floor-and-target-incompatible');
    m.setConstraints({ latencyTargetMs: 70, accuracyFloor: 78 });
    const d3 = (await m.infer('d')).decision;
    expect(d3.conflict).toBeNull();
    expect(conflicts.map((c) => c.conflict)).toEqual(['floor-and-target-incompatible', null]);
    // a rejected change leaves the constraints in force
    let code = '';
    try {
      m.setConstraints({ latencyTargetMs: -3 });
    } catch (e) {
      code = isManagerError(e) ? e.code : 'other';
    }
    expect(code).toBe('E_CONSTRAINTS_INVALID');
    expect((await m.infer('e')).decision.targetMs).toBe(70);
  });

  test('several devices: picks the device and sub-network together, serialises concurrent calls', async () => {
    const clock = { n: 0 };
    const cpu = new FakeModel('cpu', NETS6, () => 1, clock);
    const gpu = new FakeModel('gpu', NETS6_FAST, (t) => (t >= 20 ? 6 : 1), clock);
    const m = new RuntimeManager<string, FakeResult>([cpu, gpu], { latencyTargetMs: 70 });
    const devices: string[] = [];
    for (; clock.n < 60; clock.n++) devices.push((await m.infer('x')).decision.device);
    expect(devices.slice(0, 20).filter((d) => d === 'gpu').length).toBeGreaterThanOrEqual(19);
    expect(devices.slice(23, 60).filter((d) => d === 'cpu').length).toBeGreaterThanOrEqual(35);
    // concurrent calls are run one after the other, each decided after the previous measurement
    const before = cpu.calls.length + gpu.calls.length;
    const outs = await Promise.all([m.infer('p'), m.infer('q'), m.infer('r')]);
    expect(outs.map((o) => o.decision.frame)).toEqual([60, 61, 62]);
    expect(cpu.calls.length + gpu.calls.length - before).toBe(3);
    expect(m.stats().frames).toBe(63);
  });

  test('stepwise policy through the manager, with decision timing', async () => {
    const clock = { n: 0 };
    const m = new RuntimeManager(new FakeModel('cpu', NETS6, () => 1.5, clock), { latencyTargetMs: 70 }, { policy: 'stepwise', timeDecisions: true });
    for (; clock.n < 80; clock.n++) await m.infer('x');
    const st = m.stats();
    expect(st.policy).toBe('stepwise');
    expect(st.switches).toBe(2); // frames 36 and 72, one level each
    // timed only when asked (the cost itself is a benchmark figure, `dynamic-ofa bench`, not a test)
    expect(Number.isFinite(st.decisionMeanUs) && st.decisionMeanUs > 0).toBe(true);
    const untimed = new RuntimeManager(new FakeModel('cpu', NETS6, () => 1, { n: 0 }), { latencyTargetMs: 70 }, { policy: 'stepwise' });
    await untimed.infer('x');
    expect(untimed.stats().decisionMeanUs).toBeNaN();
  });

  test('a model error propagates and the manager keeps working', async () => {
    let fail = true;
    const model: ManagedModel<number> = {
      device: 'cpu',
      subnets: NETS6,
      infer: async (_x, o) => {
        if (fail) {
          fail = false;
          throw new Error('boom');
        }
        return { subnet: o?.subnet ?? 0, latencyMs: 40 };
      },
    };
    const m = new RuntimeManager(model, { latencyTargetMs: 70 });
    await expect(m.infer(1)).rejects.toThrow('boom');
    const { decision } = await m.infer(2);
    expect(decision.frame).toBe(1);
    expect(m.stats().frames).toBe(1);
  });
});
