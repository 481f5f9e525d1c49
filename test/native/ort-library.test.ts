import * as path from 'node:path';

import { tinyFamily } from '../helpers';

describe('the ONNX Runtime library', () => {
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
