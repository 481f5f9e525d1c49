import { DLA_LOADABLES_PER_CORE, decideDlaBudget, type DlaBudgetEngine } from '../../lib/engines/dla-budget';

const engines = (...counts: (number | undefined)[]): DlaBudgetEngine[] => counts.map((dlaLoadables, i) => ({ subnet: `s${i}`, dlaLoadables }));

describe('the DLA loadable budget (16 per core)', () => {
  it('lets a family that fits load whole, counting what the process already holds on the core', () => {
    expect(DLA_LOADABLES_PER_CORE).toBe(16);
    const fits = decideDlaBudget({ core: 0, engines: engines(3, 4, 4, 5) });
    expect(fits).toMatchObject({ keep: [0, 1, 2, 3], dropped: [], loadables: 16, total: 16, limit: 16 });
    expect(fits.message).toBeUndefined();
    expect(decideDlaBudget({ core: 1, engines: engines(1, 2), resident: 13 })).toMatchObject({ keep: [0, 1], total: 16 });
  });

  it('refuses a family that needs more (by default), saying how many each sub-network needs and what to do', () => {
    const refused = decideDlaBudget({ core: 0, engines: engines(5, 6, 7) });
    expect(refused.keep).toEqual([]);
    expect(refused.dropped).toEqual(['s0', 's1', 's2']);
    expect(refused.message).toMatch(/needs 18 DLA loadables \(s0 5, s1 6, s2 7\); DLA core 0 holds at most 16 DLA loadables/);
    expect(refused.message).toMatch(/dlaBudget: 'trim'/);
    const crowded = decideDlaBudget({ core: 1, engines: engines(2, 2), resident: 14 });
    expect(crowded.message).toMatch(/DLA core 1 holds at most 16 DLA loadables and this process already has 14 there/);
  });

  it('trims to the most sub-networks that fit, cheapest first, keeping family order', () => {
    const trimmed = decideDlaBudget({ core: 0, engines: engines(9, 2, 7, 3, 4), mode: 'trim' });
    expect(trimmed.keep).toEqual([1, 2, 3, 4]);
    expect(trimmed.dropped).toEqual(['s0']);
    expect(trimmed).toMatchObject({ loadables: 16, total: 16 });
    expect(trimmed.message).toMatch(/trimmed to fit.*dropped s0/);
    const ties = decideDlaBudget({ core: 0, engines: engines(8, 8, 8), mode: 'trim' });
    expect(ties.keep).toEqual([0, 1]);
    const nothing = decideDlaBudget({ core: 0, engines: engines(17, 20), mode: 'trim' });
    expect(nothing.keep).toEqual([]);
    expect(nothing.message).toMatch(/no sub-network fits/);
  });

  it('names engines whose loadables were not recorded and counts them as none', () => {
    const decision = decideDlaBudget({ core: 0, engines: engines(4, undefined, 2) });
    expect(decision).toMatchObject({ keep: [0, 1, 2], loadables: 6, unknown: ['s1'] });
    expect(decideDlaBudget({ core: 0, engines: engines(10, undefined, 10) }).message).toMatch(/s1 \?/);
  });
});
