// The busy processes of the scenario benchmark and the demo: idle until switched on, a step on and off,
// and never left behind, even when the process that started them is killed.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { Contention } from '../../lib/lab/contention';

const TICK_MS = 1000 / 100; // USER_HZ

/** CPU time (user + system) a process has used, ms. */
function cpuMs(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}
const alive = (pid: number): boolean => fs.existsSync(`/proc/${pid}`) && !/\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
/** Waits until every process has used `cpu` ms of CPU (true), or `deadline` ms passed (false). */
const burns = async (pids: number[], cpu: number, deadline: number): Promise<boolean> => {
  const before = pids.map(cpuMs);
  for (const until = Date.now() + deadline; Date.now() < until; await sleep(50)) {
    if (pids.every((pid, i) => cpuMs(pid) - before[i]! >= cpu)) return true;
  }
  return false;
};
const used = async (pids: number[], ms: number): Promise<number[]> => {
  const before = pids.map(cpuMs);
  await sleep(ms);
  return pids.map((pid, i) => cpuMs(pid) - before[i]!);
};

describe('Contention', () => {
  test('idle once ready, burning while on, idle again when off, gone when disposed', async () => {
    const contention = new Contention(2);
    try {
      await contention.ready();
      const pids = contention.pids;
      expect(pids).toHaveLength(2);
      expect(contention.active).toBe(false);
      for (const ms of await used(pids, 400)) expect(ms).toBeLessThan(30);
      contention.start();
      expect(contention.active).toBe(true);
      // Each keeps burning: a second of CPU each, however long a loaded machine takes to give it (bounded wait).
      expect(await burns(pids, 1000, 30000)).toBe(true);
      contention.stop();
      await sleep(50);
      for (const ms of await used(pids, 400)) expect(ms).toBeLessThan(30);
      contention.dispose();
      await sleep(300);
      for (const pid of pids) expect(alive(pid)).toBe(false);
    } finally {
      contention.dispose();
    }
  });

  test('start(count) switches on that many of the processes only', async () => {
    const contention = new Contention(3);
    try {
      await contention.ready();
      const pids = contention.pids;
      expect(pids).toHaveLength(3);
      contention.start(1);
      expect(await burns(pids.slice(0, 1), 300, 30000)).toBe(true);
      for (const ms of await used(pids.slice(1), 300)) expect(ms).toBeLessThan(30);
      contention.stop();
      await sleep(50);
      for (const ms of await used(pids, 300)) expect(ms).toBeLessThan(30);
    } finally {
      contention.dispose();
    }
  });

  test('the busy processes end when the process that started them is killed', async () => {
    const script = `
      const { Contention } = require(${JSON.stringify(path.join(__dirname, '..', '..', 'dist', 'lab.js'))});
      const c = new Contention(2);
      c.ready().then(() => { c.start(); console.log(c.pids.join(',')); setInterval(() => {}, 1000); });`;
    const parent = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const pids = await new Promise<number[]>((resolve, reject) => {
        parent.stdout.once('data', (d: Buffer) => resolve(d.toString().trim().split(',').map(Number)));
        parent.once('exit', (code) => reject(new Error(`the parent exited with ${code} before starting contention`)));
      });
      expect(pids).toHaveLength(2);
      expect(pids.every(alive)).toBe(true);
      parent.kill('SIGKILL');
      for (let i = 0; i < 40 && pids.some(alive); i++) await sleep(50);
      expect(pids.some(alive)).toBe(false);
    } finally {
      parent.kill('SIGKILL');
    }
  });
});
