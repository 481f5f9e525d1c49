// examples/robot-service runs as documented: frames in, detections and switch events out, clean exit.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

it('the robot-service example publishes detections, switch events and stats, and exits cleanly', () => {
  const service = path.join(__dirname, '..', '..', 'examples', 'robot-service', 'service.js');
  const run = spawnSync(process.execPath, [service, '--seconds', '2', '--fps', '50'], { encoding: 'utf8', timeout: 60000 });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  const messages = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as { topic: string; [key: string]: unknown });
  expect(messages[0]).toMatchObject({ topic: 'status', ready: true });
  const detections = messages.filter((m) => m.topic === 'detections');
  expect(detections.length).toBeGreaterThan(20);
  for (const d of detections) expect(d).toMatchObject({ label: expect.any(String), subnet: expect.stringMatching(/^L\d$/), latencyMs: expect.any(Number) });
  expect(messages.filter((m) => m.topic === 'switch')[0]).toMatchObject({ from: null, reason: 'initial' });
  const stats = messages.at(-1)!;
  expect(stats).toMatchObject({ topic: 'stats', results: detections.length });
  expect(stats.frames).toBe(detections.length);
});
