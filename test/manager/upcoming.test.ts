// The up-move the predictive policy is about to make, named one frame ahead so a paced application can warm it.
import { predictivePolicy, RuntimeManager, type ManagedModel, type ManagedSubnet } from '../../lib';
import { NETS6 } from './fixtures';
import { drive, jitter } from './helpers';

const CPU = [{ device: 'cpu', subnets: NETS6 }];
const TARGET = 70;
// contention (1.3x) from frame 100 to 300: down at once, back up after the hold
const slow = (t: number): number => (t >= 100 && t < 300 ? 1.3 : 1);

describe('predictive policy: upcoming', () => {
  test('the last frame of an up-move\'s hold names the candidate the next frame moves up to, and only that frame', () => {
    const { steps } = drive(CPU, { latencyTargetMs: TARGET }, predictivePolicy(), 500, (t, k, s) => s.profiledMs[k]! * slow(t) * jitter(t));
    const ups = steps.filter((s) => s.decision.reason === 'step-up');
    expect(ups.length).toBeGreaterThan(0);
    for (const up of ups) {
      const before = steps[up.frame - 1]!.decision;
      expect(before.reason).toBe('hold-hysteresis');
      expect(before.upcoming).toBe(up.decision.candidate);
    }
    const named = steps.filter((s) => s.decision.upcoming !== undefined);
    expect(named.every((s) => s.decision.reason === 'hold-hysteresis')).toBe(true);
    // named once per up-move here (the slack lasted every time), never while holding at the top or stepping down
    expect(named.map((s) => s.frame + 1)).toEqual(ups.map((s) => s.frame));
  });
});

/** A model with a fixed slowdown schedule; records what it ran and what it warmed. */
class WarmableModel implements ManagedModel<number, { subnet: number; latencyMs: number }> {
  readonly device = 'cpu';
  readonly warmed: { subnet: number; frame: number }[] = [];
  frame = 0;
  constructor(readonly subnets: readonly ManagedSubnet[]) {}
  async infer(_input: number, options?: { subnet?: number }): Promise<{ subnet: number; latencyMs: number }> {
    const subnet = options?.subnet ?? 0;
    return { subnet, latencyMs: this.subnets[subnet]!.latencyMs * slow(this.frame) * jitter(this.frame) };
  }
  async warm(subnet: number): Promise<{ warmed: boolean }> {
    this.warmed.push({ subnet, frame: this.frame });
    return { warmed: true };
  }
}

describe('RuntimeManager.warmUpcoming', () => {
  test('warms exactly the sub-network the next frame steps up to, and nothing otherwise', async () => {
    const model = new WarmableModel(NETS6);
    const manager = new RuntimeManager(model, { latencyTargetMs: TARGET });
    const stepUps: { subnet: number; frame: number }[] = [];
    let nothing = 0;
    for (; model.frame < 500; model.frame++) {
      const { decision } = await manager.infer(model.frame);
      if (decision.reason === 'step-up') stepUps.push({ subnet: decision.subnet, frame: model.frame });
      const warmed = await manager.warmUpcoming();
      if (warmed === null) nothing++;
      else expect(warmed).toMatchObject({ subnet: decision.upcoming!.subnet, device: 'cpu', warmed: true });
      expect(warmed === null).toBe(decision.upcoming === null);
    }
    expect(stepUps.length).toBeGreaterThan(0);
    // each warm-up happened on the frame before the step-up to the same sub-network
    expect(model.warmed).toEqual(stepUps.map((u) => ({ subnet: u.subnet, frame: u.frame - 1 })));
    expect(nothing).toBe(500 - stepUps.length);
  });

  test('a model without warm(): resolves null, decisions unchanged', async () => {
    const plain = new WarmableModel(NETS6);
    const target: ManagedModel<number, { subnet: number; latencyMs: number }> = { device: 'cpu', subnets: NETS6, infer: (x, o) => plain.infer(x, o) };
    const manager = new RuntimeManager(target, { latencyTargetMs: TARGET });
    let named = 0;
    for (; plain.frame < 400; plain.frame++) {
      const { decision } = await manager.infer(plain.frame);
      if (decision.upcoming) named++;
      expect(await manager.warmUpcoming()).toBeNull();
    }
    expect(named).toBeGreaterThan(0);
    expect(plain.warmed).toEqual([]);
  });
});
