/**
 * This platform's package (`@dynamic-ofa/linux-x64`, `@dynamic-ofa/linux-arm64`): an optional dependency holding
 * the prebuilt addon (prebuildify's prebuilds/ tree, which node-gyp-build resolves), the ONNX Runtime library it
 * loads and, for arm64, TensorRT variants of the addon. The main package's `dynamicOfa.platformPackages` names them;
 * each one's `dynamicOfa` field says what it holds.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** A TensorRT-enabled addon in a platform package; loaded only where its probe finds TensorRT and CUDA. */
export interface TensorRtVariant {
  /** Its folder in the platform package (`tensorrt10`), holding its own prebuilds/ tree. */
  dir: string;
  tensorrtMajor: number;
  cudaMajor: number;
}

/** The `dynamicOfa` field of a platform package's package.json. */
export interface PlatformManifest {
  onnxruntimeLibrary: string;
  onnxruntimeVersion: string;
  /** The lowest glibc the binaries run on. */
  glibc: string;
  tensorrt?: TensorRtVariant[];
}

export type PlatformPackageLookup =
  | { found: true; name: string; dir: string; manifest: PlatformManifest }
  | { found: false; name?: string; reason: string };

/** What the lookup depends on besides the files: injectable for tests. */
export interface PlatformFacts {
  platform: NodeJS.Platform;
  arch: string;
  /** glibc's version in this process; undefined under musl or another libc. */
  glibc: string | undefined;
}

let cachedGlibc: { version: string | undefined } | undefined;

/** glibc's version in this process (undefined elsewhere), from Node's diagnostic report header. */
function runtimeGlibc(): string | undefined {
  if (cachedGlibc) return cachedGlibc.version;
  const report = process.report as NodeJS.ProcessReport & { excludeNetwork?: boolean };
  const excluded = report.excludeNetwork;
  // The network part of a report can wait on name lookups; only the header is needed.
  report.excludeNetwork = true;
  try {
    const header = (report.getReport() as { header?: { glibcVersionRuntime?: string } }).header;
    cachedGlibc = { version: header?.glibcVersionRuntime };
  } finally {
    report.excludeNetwork = excluded;
  }
  return cachedGlibc.version;
}

export function hostFacts(): PlatformFacts {
  return { platform: process.platform, arch: process.arch, glibc: process.platform === 'linux' ? runtimeGlibc() : undefined };
}

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The platform packages the main package at `root` names: { 'linux-x64': '@dynamic-ofa/linux-x64', ... }. */
function platformPackageNames(root: string): Record<string, string> {
  const main = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { dynamicOfa?: { platformPackages?: Record<string, string> } };
  return main.dynamicOfa?.platformPackages ?? {};
}

/** Finds this platform's package from the main package at `root` and checks that it fits this process. */
export function findPlatformPackage(root: string, facts: PlatformFacts = hostFacts()): PlatformPackageLookup {
  const names = platformPackageNames(root);
  const key = `${facts.platform}-${facts.arch}`;
  const name = names[key];
  if (!name) return { found: false, reason: `no platform package is published for ${key} (there are: ${Object.keys(names).join(', ') || 'none'})` };
  let manifestFile: string;
  try {
    manifestFile = require.resolve(`${name}/package.json`, { paths: [root] });
  } catch {
    return { found: false, name, reason: `${name} is not installed` };
  }
  const manifest = (JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as { dynamicOfa?: PlatformManifest }).dynamicOfa;
  if (!manifest?.onnxruntimeLibrary) return { found: false, name, reason: `${manifestFile} has no dynamicOfa.onnxruntimeLibrary` };
  if (facts.glibc === undefined) return { found: false, name, reason: `${name} needs glibc; this Node runs on another C library (musl?)` };
  if (manifest.glibc && compareVersions(facts.glibc, manifest.glibc) < 0) {
    return { found: false, name, reason: `${name} needs glibc >= ${manifest.glibc}; this machine has ${facts.glibc}` };
  }
  return { found: true, name, dir: path.dirname(manifestFile), manifest };
}
