import { engineModelFiles, withinDlaBudget } from '../../lib/engines/dla-load';
import type { EnsuredEngine } from '../../lib/engines/ensure-engines';
import { ModelLoadError } from '../../lib/errors';

// Engines as ensureEngines reports them, with the DLA loadables their headers recorded.
const engines = (...counts: (number | undefined)[]): EnsuredEngine[] =>
  counts.map((dlaLoadables, i) => ({
    subnet: `s${i}`, enginePath: `/cache/dla0/s${i}.fp16.engine`, planOffset: 100 + i, fingerprint: `f${i}`, action: 'cached',
    ...(dlaLoadables !== undefined ? { placement: { dlaLoadables, gpuLayers: 0, reformatLayers: 0, source: 'engine-inspector' as const } } : {}),
  }));

describe('the engines a DLA device loads (shared by loadFamily and build-engines)', () => {
  it('keeps what fits the core, counting what the process already holds there', () => {
    expect(withinDlaBudget('dla0', engines(4, 4), { action: 'load the family' })).toMatchObject({ keep: [0, 1], total: 8 });
    expect(withinDlaBudget('dla1', engines(4, 4), { action: 'load the family', mode: 'trim', resident: 10 })).toMatchObject({ keep: [0], total: 14, dropped: ['s1'] });
  });

  it('throws E_MODEL_LOAD naming what it could not do when nothing fits', () => {
    const refuse = (): unknown => withinDlaBudget('dla0', engines(10, 10), { action: 'load the family' });
    expect(refuse).toThrow(ModelLoadError);
    expect(refuse).toThrow(/^cannot load the family on dla0: the family needs 20 DLA loadables/);
    expect(() => withinDlaBudget('dla1', engines(17), { action: 'profile', mode: 'trim' })).toThrow(/^cannot profile on dla1: no sub-network fits/);
  });

  it('gives the kept engines\' files, plan offsets and DLA loadables, in the order given', () => {
    expect(engineModelFiles(engines(1, 2, 3), [0, 2])).toEqual([
      { subnet: 0, path: '/cache/dla0/s0.fp16.engine', offset: 100, dlaLoadables: 1 },
      { subnet: 2, path: '/cache/dla0/s2.fp16.engine', offset: 102, dlaLoadables: 3 },
    ]);
  });
});
