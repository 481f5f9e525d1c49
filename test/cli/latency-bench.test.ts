// The bench's reference, onnxruntime-node, is a dev dependency: without it the bench stops before measuring and
// says how to add it.
import { comparisonRuntime } from '../../lib/cli/jobs/latency-bench';
import { RuntimeLoadError } from '../../lib/errors';

describe('the bench without onnxruntime-node', () => {
  it('E_RUNTIME_LOAD saying how to install the pinned version', () => {
    const missing = (id: string): unknown => {
      throw Object.assign(new Error(`Cannot find module '${id}'`), { code: 'MODULE_NOT_FOUND' });
    };
    expect(() => comparisonRuntime(missing)).toThrow(RuntimeLoadError);
    expect(() => comparisonRuntime(missing)).toThrow(/not installed \(a dev dependency of dynamic-ofa\): npm install onnxruntime-node@1\.30\.0/);
  });

  it('any other failure to load it is not hidden', () => {
    const broken = (): unknown => {
      throw new Error('libonnxruntime.so.1: cannot open shared object file');
    };
    expect(() => comparisonRuntime(broken)).toThrow('libonnxruntime.so.1: cannot open shared object file');
  });

  it('installed (a clone): the module itself', () => {
    expect(typeof comparisonRuntime().InferenceSession.create).toBe('function');
  });
});
