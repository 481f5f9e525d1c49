import * as path from 'node:path';

import { RuntimeLoadError } from '../../lib/errors';
import { resolveOrtLibrary } from '../../lib/native/ort-library';
import type { PlatformFacts } from '../../lib/native/platform-package';
import { tinyFamily } from '../helpers';
import { mainPackageWith, platformPackage } from './fake-packages';

const linuxX64: PlatformFacts = { platform: 'linux', arch: 'x64', glibc: '2.31' };
const ortNodeLibrary = 'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1';
const withOrtNode = { 'node_modules/onnxruntime-node/package.json': '{"name":"onnxruntime-node","version":"1.30.0"}', [ortNodeLibrary]: 'x' };
const platformLibrary = 'node_modules/@dynamic-ofa/linux-x64/libonnxruntime.so.1';

describe('the ONNX Runtime library', () => {
  it('order: DYNAMIC_OFA_ORT_LIBRARY, the platform package, onnxruntime-node', () => {
    const root = mainPackageWith({ ...platformPackage('x64'), [platformLibrary]: 'x', ...withOrtNode });
    expect(resolveOrtLibrary({ DYNAMIC_OFA_ORT_LIBRARY: '/opt/ort/libonnxruntime.so.1' }, root, linuxX64)).toBe('/opt/ort/libonnxruntime.so.1');
    expect(resolveOrtLibrary({}, root, linuxX64)).toBe(path.join(root, platformLibrary));
  });

  it('a clone (no platform package) uses onnxruntime-node; musl passes the platform package over', () => {
    const clone = mainPackageWith(withOrtNode);
    expect(resolveOrtLibrary({}, clone, linuxX64)).toBe(path.join(clone, ortNodeLibrary));
    const both = mainPackageWith({ ...platformPackage('x64'), [platformLibrary]: 'x', ...withOrtNode });
    expect(resolveOrtLibrary({}, both, { ...linuxX64, glibc: undefined })).toBe(path.join(both, ortNodeLibrary));
  });

  it('none anywhere: E_RUNTIME_LOAD naming each place and what to install', () => {
    const root = mainPackageWith();
    let error: unknown;
    try {
      resolveOrtLibrary({}, root, linuxX64);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RuntimeLoadError);
    const message = (error as Error).message;
    expect(message).toContain('DYNAMIC_OFA_ORT_LIBRARY: not set');
    expect(message).toContain('@dynamic-ofa/linux-x64 is not installed');
    expect(message).toContain('onnxruntime-node is not installed');
    expect(message).toContain('npm install onnxruntime-node@1.30.0');
    expect(message).toContain('npm install dynamic-ofa --include=optional');
  });

  // The library is loaded once per process, so a wrong path is tried in a child process.
  it('a wrong DYNAMIC_OFA_ORT_LIBRARY gives E_RUNTIME_LOAD naming the path and the variable', () => {
    const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
    const script = `require(${JSON.stringify(path.join(__dirname, '..', '..', 'dist'))}).loadFamily(${JSON.stringify(tinyFamily)})
      .then(() => console.log('loaded'), (e) => console.log(JSON.stringify({ code: e.code, name: e.name, message: e.message })))`;
    const child = spawnSync(process.execPath, ['-e', script], {
      env: { ...process.env, DYNAMIC_OFA_ORT_LIBRARY: '/nonexistent/libonnxruntime.so.1' },
      encoding: 'utf8',
    });
    expect(child.status).toBe(0);
    const reported = JSON.parse(child.stdout.trim());
    expect(reported).toMatchObject({ code: 'E_RUNTIME_LOAD', name: 'RuntimeLoadError' });
    expect(reported.message).toContain('/nonexistent/libonnxruntime.so.1');
    expect(reported.message).toContain('DYNAMIC_OFA_ORT_LIBRARY');
  });
});
