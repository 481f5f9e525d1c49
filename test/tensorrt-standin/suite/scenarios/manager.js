'use strict';
// The runtime manager over one family on three devices (cpu, gpu, dla0) under a contention trace, picking device and
// sub-network together. Contention on the stand-in's GPU and DLA is its speed file (DYNAMIC_OFA_STANDIN_SPEED_FILE,
// read at every run); on the CPU it is a delay this scenario adds to the CPU model's runs (a slower CPU, as the
// manager sees it: measured latency). Prints the device and sub-network of every frame per phase.
// args: { family, cache, speedFile, targetMs, framesPerPhase }
const fs = require('node:fs');
const { api, scenario } = require('./common');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The CPU model as the manager sees it, with `extraMs()` added to every run (measured latency included). */
function contendedCpu(model, extraMs) {
  return {
    device: model.device,
    subnets: model.subnets,
    async infer(input, options) {
      const extra = extraMs();
      const result = await model.infer(input, options);
      if (extra > 0) await sleep(extra);
      return { ...result, latencyMs: result.latencyMs + extra };
    },
  };
}

scenario(async ({ family, cache, speedFile, targetMs = 5, framesPerPhase = 40 }) => {
  // Phases: [cpu extra ms, stand-in speeds]. 1: the CPU is busy; 2: the GPU is busy; 3: both are. The margins are wide
  // (busy means 20 ms or 400x against a 5 ms target) so that a loaded or sanitized run decides the same.
  const phases = [
    { name: 'cpu busy', cpuExtraMs: 20, speeds: 'gpu=5,dla=10' },
    { name: 'gpu busy', cpuExtraMs: 0, speeds: 'gpu=400,dla=10' },
    { name: 'cpu and gpu busy', cpuExtraMs: 20, speeds: 'gpu=400,dla=10' },
  ];
  let phase = phases[0];
  fs.writeFileSync(speedFile, phase.speeds);
  const cpu = await api.loadFamily(family, { device: 'cpu', threads: 1, warmupRuns: 2 });
  const gpu = await api.loadFamily(family, { device: 'gpu', cache, warmupRuns: 2 });
  const dla = await api.loadFamily(family, { device: 'dla0', cache, warmupRuns: 2, dlaBudget: 'trim' });
  const manager = new api.RuntimeManager([contendedCpu(cpu, () => phase.cpuExtraMs), gpu, dla], { latencyTargetMs: targetMs });
  const frame = { data: new Uint8Array(32 * 32 * 3).map((_, i) => (i * 7) % 256), width: 32, height: 32, format: 'rgb' };
  const byPhase = [];
  for (const p of phases) {
    phase = p;
    fs.writeFileSync(speedFile, p.speeds);
    const frames = [];
    for (let i = 0; i < framesPerPhase; i++) {
      const { decision, result } = await manager.infer(frame);
      frames.push({ device: decision.device, subnet: decision.subnet, ms: result.latencyMs });
    }
    byPhase.push({ name: p.name, frames });
  }
  await Promise.all([cpu.close(), gpu.close(), dla.close()]);
  return { phases: byPhase, devicesUsed: [...new Set(byPhase.flatMap((p) => p.frames.map((f) => f.device)))] };
});
