'use strict';
// CPU contention for the scenario benchmark and the demo: busy-loop child processes that another
// application would be. They exit on their own if this process dies or after a safety timeout.
const { spawn } = require('node:child_process');

const BURNER = `
const parent = process.ppid;
const stopAt = Date.now() + Number(process.argv[1]);
for (;;) {
  for (let i = 0; i < 1e6; i++) Math.sqrt(i);
  if (Date.now() > stopAt || process.ppid !== parent) process.exit(0);
}`;

class Contention {
  /** @param {number} processes how many busy processes run while contention is on */
  constructor(processes, safetyMs = 10 * 60 * 1000) {
    this.processes = processes;
    this.safetyMs = safetyMs;
    this.children = [];
    this.onExit = () => this.stop();
    process.once('exit', this.onExit);
  }

  get active() {
    return this.children.length > 0;
  }

  start() {
    if (this.active) return;
    for (let i = 0; i < this.processes; i++) {
      this.children.push(spawn(process.execPath, ['-e', BURNER, String(this.safetyMs)], { stdio: 'ignore' }));
    }
  }

  stop() {
    for (const child of this.children) child.kill('SIGKILL');
    this.children = [];
  }

  dispose() {
    this.stop();
    process.removeListener('exit', this.onExit);
  }
}

module.exports = { Contention };
