/**
 * The real parts the robot service's end-to-end test runs: a Mosquitto broker and a Prometheus server on free
 * loopback ports, the service itself, and the checks around them (a process search, polling a condition). Each
 * part is a child process of the test, stopped by it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { findProgram } from '../tools';

/** A loopback TCP port nothing listens on now. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Polls `check` every 100 ms until it returns a value other than undefined/false; fails after `limitMs` naming `what`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, limitMs = 30000): Promise<T> {
  const end = Date.now() + limitMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > end) throw new Error(`gave up waiting for ${what} after ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Processes whose command line contains `marker` (a word put into a pipeline description to find its gst-launch). */
export function processesWith(marker: string): string[] {
  const found: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmdline.includes(marker) && Number(pid) !== process.pid) found.push(`${pid}: ${cmdline}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** A child process the test started, with what it printed. */
export class Part {
  output = '';
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** `dir`: a scratch folder of its own, removed once it has exited. */
  constructor(readonly name: string, readonly child: ChildProcess, readonly dir?: string) {
    child.stdout?.setEncoding('utf8').on('data', (t: string) => {
      this.stdout += t;
      this.output += t;
    });
    child.stderr?.setEncoding('utf8').on('data', (t: string) => {
      this.stderr += t;
      this.output += t;
    });
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => {
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
      resolve({ code, signal });
    }));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGTERM, and SIGKILL if it is still there after 10 s; resolves with how it exited. */
  async stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.running) this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10000);
    const how = await this.exited;
    clearTimeout(timer);
    return how;
  }
}

function scratch(name: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `dynamic-ofa-${name}-`));
}

async function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/** Mosquitto on 127.0.0.1:port (anonymous, nothing persisted), once it accepts connections. */
export async function startMosquitto(port: number): Promise<Part> {
  const dir = scratch('mosquitto');
  const conf = path.join(dir, 'mosquitto.conf');
  fs.writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
  const part = new Part('mosquitto', spawn(findProgram('mosquitto')!, ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] }), dir);
  await waitFor(`mosquitto on port ${port} (${part.output})`, async () => (part.running ? accepts(port) : Promise.reject(new Error(`mosquitto exited: ${part.output}`))));
  return part;
}

/** Prometheus on a free loopback port scraping http://127.0.0.1:targetPort/metrics every second, once it is ready. */
export async function startPrometheus(targetPort: number): Promise<Part & { port: number; query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> }> {
  const dir = scratch('prometheus');
  const port = await freePort();
  const config = path.join(dir, 'prometheus.yml');
  fs.writeFileSync(config, `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: robot-service\n    static_configs:\n      - targets: ['127.0.0.1:${targetPort}']\n`);
  const args = [`--config.file=${config}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`];
  const part = new Part('prometheus', spawn(findProgram('prometheus')!, args, { stdio: ['ignore', 'pipe', 'pipe'] }), dir);
  const base = `http://127.0.0.1:${port}`;
  await waitFor('prometheus to be ready', async () => {
    if (!part.running) throw new Error(`prometheus exited: ${part.output.slice(-2000)}`);
    return fetch(`${base}/-/ready`).then((r) => r.ok, () => false);
  }, 60000);
  const query = async (expr: string) => {
    const body = (await (await fetch(`${base}/api/v1/query?query=${encodeURIComponent(expr)}`)).json()) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
    if (body.status !== 'success') throw new Error(`prometheus query ${expr}: ${JSON.stringify(body)}`);
    return body.data.result;
  };
  return Object.assign(part, { port, query });
}

export interface ServiceLine {
  event: string;
  [key: string]: unknown;
}

/** The example service, run as a user runs it; its stdout is JSON lines. */
export class Service extends Part {
  constructor(args: string[]) {
    super('service', spawn(process.execPath, [path.join(__dirname, '..', '..', 'examples', 'robot-service', 'service.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
  }

  /** Its stdout lines as JSON (anything else, a crash's stack for one, fails the parse and the test). */
  get lines(): ServiceLine[] {
    return this.stdout.slice(0, this.stdout.lastIndexOf('\n') + 1).split('\n').filter((l) => l !== '').map((l) => {
      try {
        return JSON.parse(l) as ServiceLine;
      } catch {
        throw new Error(`the service printed a line that is not JSON: ${l}`);
      }
    });
  }

  events(name: string): ServiceLine[] {
    return this.lines.filter((l) => l.event === name);
  }
}
