/** The ONNX Runtime shared library the addon loads (dlopen), found here so the addon needs no search rules. */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { RuntimeLoadError } from '../errors';

/**
 * The ONNX Runtime shared library the addon dlopens: DYNAMIC_OFA_ORT_LIBRARY, else the copy shipped inside
 * the onnxruntime-node package for this platform.
 */
export function resolveOrtLibrary(env: NodeJS.ProcessEnv = process.env): string {
  const override = env.DYNAMIC_OFA_ORT_LIBRARY;
  if (override) return path.resolve(override);
  let ortPackage: string;
  try {
    ortPackage = path.dirname(require.resolve('onnxruntime-node/package.json'));
  } catch (error) {
    throw new RuntimeLoadError(
      'E_RUNTIME_LOAD',
      'the onnxruntime-node package is not installed; install it or set DYNAMIC_OFA_ORT_LIBRARY to a libonnxruntime.so.1',
      { cause: error },
    );
  }
  const bin = path.join(ortPackage, 'bin');
  const napiDirs = fs.existsSync(bin) ? fs.readdirSync(bin).filter((d) => d.startsWith('napi-v')).sort().reverse() : [];
  const libraryName = process.platform === 'darwin' ? 'libonnxruntime.1.dylib' : 'libonnxruntime.so.1';
  for (const dir of napiDirs) {
    const candidate = path.join(bin, dir, process.platform, process.arch, libraryName);
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new RuntimeLoadError(
    'E_RUNTIME_LOAD',
    `onnxruntime-node at ${ortPackage} ships no ${libraryName} for ${process.platform}-${process.arch}; ` +
      'set DYNAMIC_OFA_ORT_LIBRARY to an ONNX Runtime shared library (>= 1.17)',
  );
}
