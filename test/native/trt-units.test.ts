/**
 * Small C++ programs around the TensorRT backend's sources, compiled here against the TensorRT and CUDA header
 * trees in deps/ (the ones `npm run check:tensorrt` uses: 8.5.2 with CUDA 11.x, 10.3 with CUDA 12.x) and run
 * without TensorRT: what they check needs only the headers (trt-units/*.cc say what each checks). Where deps/ has
 * no tree the tests are skipped, saying so; `npm run check:tensorrt` needs the same trees.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { tempDir } from '../engines/helpers';

const root = path.join(__dirname, '..', '..');
const work = tempDir('trt-units');

interface HeaderTrees { name: string; tensorrt: string; cuda: string }

// Each TensorRT tree with the CUDA major its JetPack ships (8.x: CUDA 11, 10.x: CUDA 12).
const trees: HeaderTrees[] = [['8.5.2', '11.8'], ['10.3', '12.4']].flatMap(([trt, cuda]) => {
  const tensorrt = path.join(root, 'deps', `tensorrt-${trt}`, 'include');
  const cudaDir = path.join(root, 'deps', `cuda-${cuda}`, 'include');
  return fs.existsSync(path.join(tensorrt, 'NvInfer.h')) && fs.existsSync(path.join(cudaDir, 'cuda_runtime_api.h'))
    ? [{ name: `TensorRT ${trt} / CUDA ${cuda}`, tensorrt, cuda: cudaDir }]
    : [];
});
if (trees.length === 0) console.warn('trt-units: no TensorRT/CUDA header trees in deps/ (see scripts/dev/check-tensorrt.sh): skipped');

/** Compiles `sources` (relative to the repository) into a program; -Werror and AddressSanitizer, as the tests want. */
function compile(name: string, sources: string[], headers: HeaderTrees): string {
  const program = path.join(work, `${name}-${headers.name.replace(/[^0-9a-z]+/gi, '_')}`);
  execFileSync('g++', ['-std=c++17', '-Wall', '-Wextra', '-Werror', '-g', '-fsanitize=address,undefined', '-fno-sanitize-recover=all',
    '-DDYNAMIC_OFA_WITH_TENSORRT', `-I${path.join(root, 'binding')}`, '-isystem', headers.tensorrt, '-isystem', headers.cuda,
    '-o', program, ...sources.map((s) => path.join(root, s)), '-ldl', '-pthread'], { stdio: 'pipe' });
  return program;
}

function run(program: string, args: string[] = []): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(program, args, { encoding: 'utf8', env: { PATH: process.env.PATH, ASAN_OPTIONS: 'detect_leaks=0' } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const each = trees.length > 0 ? describe.each(trees) : describe.skip.each([{ name: 'no header trees in deps/' } as HeaderTrees]);

each('$name', (headers) => {
  it('the process logger still works after static destruction (a TensorRT thread logging at exit)', () => {
    const program = compile('logger_at_exit', ['test/native/trt-units/logger_at_exit.cc', 'binding/trt/trt_logger.cc'], headers);
    const result = run(program);
    expect(result.stderr).toBe('');
    expect(result).toMatchObject({ status: 0, stdout: 'main done\nat exit: logged with a capture at exit\n' });
  }, 120000);

  it('an int8 calibration cache that cannot be written is a warning, not a calibration error (which fails the build)', () => {
    const program = compile('calibrator_cache_write', ['test/native/trt-units/calibrator_cache_write.cc', 'binding/trt/int8_calibrator.cc',
      'binding/trt/trt_library.cc', 'binding/trt/runtime_loader.cc', 'binding/trt/cuda_api.cc', 'binding/trt/file_io.cc'], headers);
    const dir = tempDir('calibration-write');
    const result = run(program, [path.join(dir, 'ok.calib'), path.join(dir, 'missing-folder', 'x.calib')]);
    expect(result).toMatchObject({ status: 0, stderr: '' });
    const [ok, failed] = result.stdout.trim().split('\n');
    expect(ok).toBe('written=1 error=[] warning=[]');
    expect(fs.readFileSync(path.join(dir, 'ok.calib'), 'utf8')).toBe('scales\0');
    expect(failed).toMatch(/^written=0 error=\[\] warning=\[the int8 calibration cache was not written \(the next build calibrates again\): cannot write '.*missing-folder\/x\.calib\.tmp-\d+': No such file or directory\]$/);
  }, 120000);
});
