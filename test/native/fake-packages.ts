// Fake main and platform packages in temporary folders, for the addon and ONNX Runtime library lookups.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import type { PlatformManifest } from '../../lib/native/platform-package';

const repoPackage = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { dynamicOfa: unknown; devDependencies: unknown };

const roots: string[] = [];
afterAll(() => roots.forEach((r) => fs.rmSync(r, { recursive: true, force: true })));

/** A main package (the repository's dynamicOfa field and devDependencies) at a temporary root; files relative to it. */
export function mainPackageWith(files: Record<string, string> = {}): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dofa-packages-'));
  roots.push(root);
  const main = { name: 'dynamic-ofa', dynamicOfa: repoPackage.dynamicOfa, devDependencies: repoPackage.devDependencies };
  for (const [name, content] of Object.entries({ 'package.json': JSON.stringify(main), ...files })) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), content);
  }
  return root;
}

/** Where prebuildify puts the addon for linux-<arch> (in a platform package, or in a TensorRT variant's folder). */
export const prebuild = (arch: string): string => `prebuilds/linux-${arch}/dynamic-ofa.glibc.node`;

/**
 * Files of an installed fake @dynamic-ofa/linux-<arch> with its dynamicOfa manifest and a fake addon at
 * {@link prebuild} (node-gyp-build resolves names only: tests that load inject the loader or the probe).
 */
export function platformPackage(arch: string, manifest: Partial<PlatformManifest> = {}, files: Record<string, string> = {}): Record<string, string> {
  const dir = `node_modules/@dynamic-ofa/linux-${arch}`;
  const dynamicOfa = { onnxruntimeLibrary: 'libonnxruntime.so.1', onnxruntimeVersion: '1.30.0', glibc: '2.28', ...manifest };
  const out: Record<string, string> = {
    [`${dir}/package.json`]: JSON.stringify({ name: `@dynamic-ofa/linux-${arch}`, version: '0.0.0', dynamicOfa }),
    [`${dir}/${prebuild(arch)}`]: 'cpu',
  };
  for (const variant of dynamicOfa.tensorrt ?? []) out[`${dir}/${variant.dir}/${prebuild(arch)}`] = `tensorrt${variant.tensorrtMajor}`;
  for (const [name, content] of Object.entries(files)) out[`${dir}/${name}`] = content;
  return out;
}

/** A fake addon whose tensorrtProbe() returns `result` (a JS expression). */
export const fakeProbeAddon = (result: string): string => `module.exports = { tensorrtProbe: () => (${result}) };\n`;
