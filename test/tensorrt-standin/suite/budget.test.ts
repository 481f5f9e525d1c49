/**
 * The DLA loadable budget against the stand-in's 16 loadables per core, process-wide: refuse and trim, two
 * concurrent loads and two worker_threads on one core (one of them gets the budget's message, never TensorRT's
 * deserialization error), and the other core unaffected. The tiny family's sub-networks alternate Conv and
 * HardSwish, so each Conv is a DLA subgraph of its own.
 */
import { copyFamily, resultOf, scenario, summaryFragment, tinyFamily } from './helpers';

interface Load { loaded?: string[]; error?: { typed: boolean; code?: string; message: string } }
interface BudgetResult { loads: Load[] }

const summary = summaryFragment('budget');
const family = copyFamily(tinyFamily, 'budget');
const cache = `${family}/.engine-cache`;
const run = (mode: string, device: string, dlaBudget?: string): Load[] =>
  resultOf(scenario<BudgetResult>('budget', { family, device, cache, mode, dlaBudget })).loads;
const budgetMessage = /DLA core \d holds at most 16 DLA loadables/;

describe('DLA budget on the stand-in', () => {
  it("refuse (default): a family that needs more than a core holds is refused with the budget's message", () => {
    const [load] = run('single', 'dla0');
    expect(load!.loaded).toBeUndefined();
    expect(load!.error).toMatchObject({ typed: true, code: 'E_MODEL_LOAD' });
    expect(load!.error!.message).toMatch(budgetMessage);
    summary.budgetRefused = true;
    summary.save();
  });

  it('trim: loads the sub-networks that fit, fewest loadables first', () => {
    const [load] = run('single', 'dla1', 'trim');
    expect(load!.error).toBeUndefined();
    expect(load!.loaded).toEqual(['s0', 's1']);
    summary.budgetTrimmedTo = load!.loaded;
    summary.save();
  });

  it.each(['concurrent', 'workers'])('%s loads on one core: one fits, the other gets the budget message', (mode) => {
    const loads = run(mode, 'dla0', 'trim');
    const loaded = loads.filter((l) => l.loaded);
    const refused = loads.filter((l) => l.error);
    expect(loaded).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(refused[0]!.error).toMatchObject({ typed: true, code: 'E_MODEL_LOAD' });
    expect(refused[0]!.error!.message).toMatch(budgetMessage);
    expect(refused[0]!.error!.message).not.toMatch(/deserializ/i);
  });
});
