/**
 * Which addon binary this process loads: a TensorRT build where one loads here and has its backend, else the
 * local build or the CPU prebuild.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { packageRoot } from '../util/package-root';

/**
 * Which addon binary to load. TensorRT builds (prebuilds/<platform>-<arch>-tensorrt<N>/, one per JetPack's
 * TensorRT major) link libnvinfer: each is first loaded in a child process, so a machine without that TensorRT
 * cannot crash this one, and the first that loads and has the backend wins. Otherwise node-gyp-build's order:
 * a local build (build/Release), then prebuilds/<platform>-<arch>/ (the CPU build).
 * DYNAMIC_OFA_BINARY forces a file; DYNAMIC_OFA_FORCE_CPU=1 skips the TensorRT builds.
 */
export function selectBinaryPath(root: string = packageRoot, env: NodeJS.ProcessEnv = process.env): string {
  if (env.DYNAMIC_OFA_BINARY) return path.resolve(env.DYNAMIC_OFA_BINARY);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const nodeGypBuild = require('node-gyp-build') as { path(dir: string): string };
  const hasLocalBuild = fs.existsSync(path.join(root, 'build', 'Release')) && fs.readdirSync(path.join(root, 'build', 'Release')).some((f) => f.endsWith('.node'));
  if (!hasLocalBuild && env.DYNAMIC_OFA_FORCE_CPU !== '1') {
    for (const candidate of tensorRtPrebuilds(root)) {
      if (loadsWithTensorRt(candidate)) return candidate;
    }
  }
  return nodeGypBuild.path(root);
}

/** TensorRT prebuilds for this platform, newest TensorRT first. */
export function tensorRtPrebuilds(root: string): string[] {
  const prebuilds = path.join(root, 'prebuilds');
  if (!fs.existsSync(prebuilds)) return [];
  const prefix = `${process.platform}-${process.arch}-tensorrt`;
  return fs
    .readdirSync(prebuilds)
    .filter((d) => d.startsWith(prefix))
    .sort((a, b) => Number(b.slice(prefix.length)) - Number(a.slice(prefix.length)))
    .flatMap((d) => fs.readdirSync(path.join(prebuilds, d)).filter((f) => f.endsWith('.node')).map((f) => path.join(prebuilds, d, f)));
}

function loadsWithTensorRt(file: string): boolean {
  const probe = `const b = require(${JSON.stringify(file)}); process.exit(b.backends().includes('tensorrt') ? 0 : 3);`;
  return spawnSync(process.execPath, ['-e', probe], { stdio: 'ignore', timeout: 30000 }).status === 0;
}
