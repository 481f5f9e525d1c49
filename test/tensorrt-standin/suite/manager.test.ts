/**
 * RuntimeManager over cpu, gpu and dla0 models of one family on the stand-in picks device and sub-network together
 * as contention moves from the CPU to the GPU and then to both: it settles on a device that meets the target.
 */
import * as os from 'node:os';
import * as path from 'node:path';

import { copyFamily, resultOf, scenario, summaryFragment, tinyFamily } from './helpers';

interface Frame { device: string; subnet: number; ms: number }
interface ManagerResult { phases: Array<{ name: string; frames: Frame[] }>; devicesUsed: string[] }

const summary = summaryFragment('manager');

it('moves between devices as contention moves, and settles on a device that meets the target', () => {
  const family = copyFamily(tinyFamily, 'manager');
  const speedFile = path.join(os.tmpdir(), `dofa-standin-speed-${process.pid}`);
  const result = resultOf(scenario<ManagerResult>('manager', { family, cache: `${family}/.engine-cache`, speedFile },
    { DYNAMIC_OFA_STANDIN_SPEED_FILE: speedFile }));
  // Where the manager settled: the device of most of each phase's last 10 frames (the predictive policy probes
  // other candidates now and then, so not all of them).
  const settled = result.phases.map((p) => {
    const counts = new Map<string, number>();
    for (const f of p.frames.slice(-10)) counts.set(f.device, (counts.get(f.device) ?? 0) + 1);
    return [...counts.entries()].find(([, n]) => n >= 7)?.[0];
  });
  // 1. The CPU is busy: the GPU. 2. The GPU is busy: off the GPU, onto a device that meets the target (the DLA
  // core or the CPU; the CPU's slowness in phase 1 stays in its estimate until the policy probes it again).
  // 3. Both are busy: the DLA core.
  expect(settled[0]).toBe('gpu');
  expect(['cpu', 'dla0']).toContain(settled[1]);
  expect(settled[2]).toBe('dla0');
  expect(result.devicesUsed.sort()).toEqual(['cpu', 'dla0', 'gpu']);
  summary.managerDevicesUsed = result.devicesUsed;
  summary.save();
});
