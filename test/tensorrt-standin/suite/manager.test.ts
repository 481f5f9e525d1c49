/**
 * RuntimeManager over cpu, gpu and dla0 models of one family on the stand-in picks device and sub-network together
 * as contention moves from the CPU to the GPU and then to both: it settles on the device that is free.
 */
import * as os from 'node:os';
import * as path from 'node:path';

import { copyFamily, resultOf, scenario, summaryFragment, tinyFamily } from './helpers';

interface Frame { device: string; subnet: number; ms: number }
interface ManagerResult { phases: Array<{ name: string; frames: Frame[] }>; devicesUsed: string[] }

const summary = summaryFragment('manager');

it('moves between devices as contention moves, and settles where the target is met', () => {
  const family = copyFamily(tinyFamily, 'manager');
  const speedFile = path.join(os.tmpdir(), `dofa-standin-speed-${process.pid}`);
  const result = resultOf(scenario<ManagerResult>('manager', { family, cache: `${family}/.engine-cache`, speedFile },
    { DYNAMIC_OFA_STANDIN_SPEED_FILE: speedFile }));
  // The last frames of each phase: where the manager settled.
  const settled = result.phases.map((p) => new Set(p.frames.slice(-10).map((f) => f.device)));
  expect([...settled[0]!]).toEqual(['gpu']);
  expect([...settled[1]!]).toEqual(['cpu']);
  expect([...settled[2]!]).toEqual(['dla0']);
  expect(result.devicesUsed.sort()).toEqual(['cpu', 'dla0', 'gpu']);
  summary.managerDevicesUsed = result.devicesUsed;
  summary.save();
});
