/**
 * Loads of the tiny family straight through the addon (lib/native/addon.ts's loadNativeModel), for the tests that
 * call native code directly, as lib/ does: the options, and the positional values they become.
 */
import * as path from 'node:path';

import { getBinding, loadNativeModel, type NativeBinding, type NativeLoadOptions, type NativeModel } from '../../lib/native/addon';
import { resolveOrtLibrary } from '../../lib/native/ort-library';
import { tinyFamily } from '../helpers';

/** The tiny family's ONNX models `ids` (in that order) on the CPU, one warm-up run, one thread. */
export function tinyLoadOptions(ids: readonly string[] = ['s0', 's1', 's2', 's3'], overrides: Partial<NativeLoadOptions> = {}): NativeLoadOptions {
  return {
    models: ids.map((id, subnet) => ({ subnet, path: path.join(tinyFamily, `${id}.onnx`), offset: 0, dlaLoadables: 0 })),
    backend: 'onnxruntime-cpu', dlaCore: -1, dlaLoadableLimit: 0, ortLibrary: resolveOrtLibrary(), threads: 1, ortSessionDefaults: false, shareWeights: false, warmupRuns: 1,
    resolutions: [], channels: 3, format: 'rgb', mean: [0, 0, 0], std: [1, 1, 1], externalBuffers: true,
    ...overrides,
  };
}

export const loadTiny = (ids?: readonly string[], overrides?: Partial<NativeLoadOptions>): Promise<NativeModel> =>
  loadNativeModel(getBinding(), tinyLoadOptions(ids, overrides));

export type LoadModelArgs = Parameters<NativeBinding['loadModel']>;

/** The positional values loadNativeModel passes to the addon's loadModel for `options`. */
export function loadModelArgs(options: NativeLoadOptions): LoadModelArgs {
  let args: LoadModelArgs | undefined;
  const recorder = { loadModel: (...values: LoadModelArgs) => { args = values; return new Promise<NativeModel>(() => undefined); } };
  void loadNativeModel(recorder as unknown as NativeBinding, options);
  return args!;
}
