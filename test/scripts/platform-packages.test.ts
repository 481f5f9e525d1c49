// The arm64 platform package ships every TensorRT variant found in scripts/build/tensorrt-prebuilt/ (folders
// linux-arm64-tensorrt<major>/ with dynamic_ofa.node and manifest.json) and lists it for the loader.
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
  fs.mkdirSync(path.join(work, name), { recursive: true });
  if (addon) fs.writeFileSync(path.join(work, name, 'dynamic_ofa.node'), 'x');
  if (manifest) fs.writeFileSync(path.join(work, name, 'manifest.json'), JSON.stringify(manifest));
}
const manifest = (trt: number, minor: number, cuda: number): unknown => ({
  tensorrt: { headers: `${trt}.${minor}`, major: trt, minor }, cuda: { headers: `${cuda}.0`, major: cuda, soname: `libcudart.so.${cuda}` }, sourceHash: 'x', compiler: 'g++ 10',
});
const notices = { license: { packagedAs: 'LICENSE-onnxruntime.txt' }, notices: { packagedAs: 'debian-copyright-onnxruntime.txt' } };

describe('TensorRT variants in the arm64 platform package', () => {
  it('every folder with an addon, newest TensorRT first, listed in dynamicOfa.tensorrt and in files', () => {
    variant('linux-arm64-tensorrt8', manifest(8, 5, 11));
    variant('linux-arm64-tensorrt10', manifest(10, 3, 12));
    variant('linux-arm64-tensorrt11', null, false); // being built: no addon yet
    variant('linux-x64-tensorrt10', manifest(10, 3, 12));
    const variants = packages.tensorRtVariants('arm64', work);
    expect(variants.map((v) => v.major)).toEqual([10, 8]);
    const pkg = packages.packageJson('arm64', '1.30.0', notices, variants);
    expect(pkg.dynamicOfa.tensorrt).toEqual([
      { addon: 'tensorrt10/dynamic_ofa.node', tensorrtMajor: 10, cudaMajor: 12 },
      { addon: 'tensorrt8/dynamic_ofa.node', tensorrtMajor: 8, cudaMajor: 11 },
    ]);
    expect(pkg.files).toEqual(expect.arrayContaining(['dynamic_ofa.node', 'libonnxruntime.so.1', 'LICENSE-onnxruntime.txt', 'debian-copyright-onnxruntime.txt', 'tensorrt10/', 'tensorrt8/']));
    expect([pkg.os, pkg.cpu, pkg.libc]).toEqual([['linux'], ['arm64'], ['glibc']]);
    expect(packages.packageJson('x64', '1.30.0', notices, []).dynamicOfa.tensorrt).toBeUndefined();
  });

  it('an addon without a manifest, or a manifest of another major, is refused', () => {
    const bad = fs.mkdtempSync(path.join(work, 'bad-'));
    fs.mkdirSync(path.join(bad, 'linux-arm64-tensorrt10'));
    fs.writeFileSync(path.join(bad, 'linux-arm64-tensorrt10', 'dynamic_ofa.node'), 'x');
    expect(() => packages.tensorRtVariants('arm64', bad)).toThrow('has dynamic_ofa.node but no manifest.json');
    fs.writeFileSync(path.join(bad, 'linux-arm64-tensorrt10', 'manifest.json'), JSON.stringify(manifest(8, 5, 11)));
    expect(() => packages.tensorRtVariants('arm64', bad)).toThrow('tensorrt.major must be 10');
  });
});
