// The arm64 platform package ships every TensorRT variant found in scripts/build/tensorrt-prebuilt/ (folders
// tensorrt<major>/ with prebuilds/linux-arm64/dynamic-ofa.glibc.node and manifest.json) and lists it for the loader.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

interface Variant { major: number; dir: string; manifest: { tensorrt: { major: number; minor: number }; cuda: { major: number } } }
// eslint-disable-next-line @typescript-eslint/no-require-imports
const packages = require('../../scripts/build/platform-packages') as {
  tensorRtVariants(cpu: string, from?: string): Variant[];
  packageJson(cpu: string, ortVersion: string, notices: unknown, variants: Variant[]): { files: string[]; dynamicOfa: { tensorrt?: unknown[] }; os: string[]; cpu: string[]; libc: string[] };
};

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dofa-trt-prebuilt-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function variant(name: string, manifest: unknown, addon = true): void {
  fs.mkdirSync(path.join(work, name, 'prebuilds', 'linux-arm64'), { recursive: true });
  if (addon) fs.writeFileSync(path.join(work, name, 'prebuilds', 'linux-arm64', 'dynamic-ofa.glibc.node'), 'x');
  if (manifest) fs.writeFileSync(path.join(work, name, 'manifest.json'), JSON.stringify(manifest));
}
const manifest = (trt: number, minor: number, cuda: number): unknown => ({
  tensorrt: { headers: `${trt}.${minor}`, major: trt, minor }, cuda: { headers: `${cuda}.0`, major: cuda, soname: `libcudart.so.${cuda}` }, sourceHash: 'x', compiler: 'g++ 10',
});
const notices = { license: { packagedAs: 'LICENSE-onnxruntime.txt' }, notices: { packagedAs: 'debian-copyright-onnxruntime.txt' } };

describe('TensorRT variants in the arm64 platform package', () => {
  it('every folder with an addon, newest TensorRT first, listed in dynamicOfa.tensorrt and in files', () => {
    variant('tensorrt8', manifest(8, 5, 11));
    variant('tensorrt10', manifest(10, 3, 12));
    variant('tensorrt11', null, false); // being built: no addon yet
    variant('linux-arm64-tensorrt9', manifest(9, 0, 12)); // not a variant folder's name
    const variants = packages.tensorRtVariants('arm64', work);
    expect(variants.map((v) => v.major)).toEqual([10, 8]);
    const pkg = packages.packageJson('arm64', '1.30.0', notices, variants);
    expect(pkg.dynamicOfa.tensorrt).toEqual([
      { dir: 'tensorrt10', tensorrtMajor: 10, cudaMajor: 12 },
      { dir: 'tensorrt8', tensorrtMajor: 8, cudaMajor: 11 },
    ]);
    expect(packages.tensorRtVariants('x64', work)).toEqual([]);
    expect(pkg.files).toEqual(expect.arrayContaining(['prebuilds/', 'libonnxruntime.so.1', 'LICENSE-onnxruntime.txt', 'debian-copyright-onnxruntime.txt', 'tensorrt10/', 'tensorrt8/']));
    expect([pkg.os, pkg.cpu, pkg.libc]).toEqual([['linux'], ['arm64'], ['glibc']]);
    expect(packages.packageJson('x64', '1.30.0', notices, []).dynamicOfa.tensorrt).toBeUndefined();
  });

  it('an addon without a manifest, or a manifest of another major, is refused', () => {
    const bad = fs.mkdtempSync(path.join(work, 'bad-'));
    fs.mkdirSync(path.join(bad, 'tensorrt10', 'prebuilds', 'linux-arm64'), { recursive: true });
    fs.writeFileSync(path.join(bad, 'tensorrt10', 'prebuilds', 'linux-arm64', 'dynamic-ofa.glibc.node'), 'x');
    expect(() => packages.tensorRtVariants('arm64', bad)).toThrow('has prebuilds/linux-arm64/dynamic-ofa.glibc.node but no manifest.json');
    fs.writeFileSync(path.join(bad, 'tensorrt10', 'manifest.json'), JSON.stringify(manifest(8, 5, 11)));
    expect(() => packages.tensorRtVariants('arm64', bad)).toThrow('tensorrt.major must be 10');
  });
});
