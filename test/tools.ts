/**
 * Programs from Debian packages that some tests run for real (GStreamer, Mosquitto, Prometheus). Without them a
 * suite is skipped, saying which packages to install; in CI (CI=true, where .ci/run installs them) it fails.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface Tool {
  readonly program: string;
  readonly debianPackage: string;
}

export const GST_LAUNCH: Tool = { program: 'gst-launch-1.0', debianPackage: 'gstreamer1.0-tools gstreamer1.0-plugins-base' };
export const MOSQUITTO: Tool = { program: 'mosquitto', debianPackage: 'mosquitto' };
export const PROMETHEUS: Tool = { program: 'prometheus', debianPackage: 'prometheus' };

/** The program's full path (on the PATH, or in /usr/sbin where Debian puts daemons), or null. */
export function findProgram(program: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/sbin'].filter((d) => d !== '');
  for (const dir of dirs) {
    const file = path.join(dir, program);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return null;
}

/** `describe` when every tool is there; else a skipped suite (outside CI) or one failing test (in CI). */
export function describeWithTools(title: string, tools: readonly Tool[], body: () => void): void {
  const missing = tools.filter((t) => findProgram(t.program) === null);
  if (missing.length === 0) {
    describe(title, body);
    return;
  }
  const message = `${title}: needs ${missing.map((t) => t.program).join(', ')} (Debian: apt-get install ${missing.map((t) => t.debianPackage).join(' ')})`;
  if (process.env.CI) {
    describe(title, () => it('has the programs it needs (required in CI)', () => {
      throw new Error(message);
    }));
    return;
  }
  console.warn(`${message}: skipped`);
  describe.skip(title, body);
}
