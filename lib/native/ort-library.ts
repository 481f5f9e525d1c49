/** The ONNX Runtime shared library the addon loads (dlopen), found here so the addon needs no search rules. */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { RuntimeLoadError } from '../errors';
import { packageRoot } from '../util/package-root';
import { findPlatformPackage, hostFacts, type PlatformFacts } from './platform-package';

const LIBRARY_NAME = process.platform === 'darwin' ? 'libonnxruntime.1.dylib' : 'libonnxruntime.so.1';

/** `onnxruntime-node@<version>` as the package's devDependencies pin it (the bench's comparison, clones' library). */
export function onnxruntimeNodeSpec(root: string = packageRoot): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { devDependencies?: Record<string, string> };
  const version = pkg.devDependencies?.['onnxruntime-node'];
  return version ? `onnxruntime-node@${version}` : 'onnxruntime-node';
}

/** The library inside an installed onnxruntime-node, or why there is none. */
function fromOnnxruntimeNode(root: string, facts: PlatformFacts): { file?: string; reason: string } {
  let ortPackage: string;
  try {
    ortPackage = path.dirname(require.resolve('onnxruntime-node/package.json', { paths: [root] }));
  } catch {
    return { reason: 'onnxruntime-node is not installed' };
  }
  const bin = path.join(ortPackage, 'bin');
  const napiDirs = fs.existsSync(bin) ? fs.readdirSync(bin).filter((d) => d.startsWith('napi-v')).sort().reverse() : [];
  const file = napiDirs.map((d) => path.join(bin, d, facts.platform, facts.arch, LIBRARY_NAME)).find((f) => fs.existsSync(f));
  return file ? { file, reason: '' } : { reason: `onnxruntime-node at ${ortPackage} ships no ${LIBRARY_NAME} for ${facts.platform}-${facts.arch}` };
}

/**
 * The ONNX Runtime shared library the addon dlopens: DYNAMIC_OFA_ORT_LIBRARY, else the one in this platform's
 * package, else the one inside an installed onnxruntime-node (a clone has it as a dev dependency).
 */
export function resolveOrtLibrary(env: NodeJS.ProcessEnv = process.env, root: string = packageRoot, facts: PlatformFacts = hostFacts()): string {
  const override = env.DYNAMIC_OFA_ORT_LIBRARY;
  if (override) return path.resolve(override);
  const looked = ['DYNAMIC_OFA_ORT_LIBRARY: not set'];
  const pkg = findPlatformPackage(root, facts);
  if (pkg.found) {
    const file = path.join(pkg.dir, pkg.manifest.onnxruntimeLibrary);
    if (fs.existsSync(file)) return file;
    looked.push(`platform package ${pkg.name}: no ${file}`);
  } else {
    looked.push(`platform package: ${pkg.reason}`);
  }
  const ortNode = fromOnnxruntimeNode(root, facts);
  if (ortNode.file) return ortNode.file;
  looked.push(ortNode.reason);
  throw new RuntimeLoadError(
    'E_RUNTIME_LOAD',
    `no ONNX Runtime library (${LIBRARY_NAME}) for ${facts.platform}-${facts.arch}. Looked for:\n${looked.map((l) => `  - ${l}`).join('\n')}\n` +
      'Install dynamic-ofa with its optional dependencies (npm install dynamic-ofa --include=optional) on linux-x64/arm64 ' +
      `with glibc, or \`npm install ${onnxruntimeNodeSpec(root)}\` beside it, or set DYNAMIC_OFA_ORT_LIBRARY to an ONNX ` +
      `Runtime ${LIBRARY_NAME} at least as new as the headers the addon was built with.`,
  );
}
