/**
 * Where a built engine's layers run, read from the engine itself rather than predicted before the build: the
 * engine inspector's JSON lists the engine's layers, and each DLA subgraph, which is one DLA loadable, appears as a
 * "{ForeignNode[first...last]}" layer (LayerType "ForeignNode" with detailed profiling verbosity). TensorRT 8.x's
 * builder also logs "[DlaLayer] ..." and "[GpuLayer] ..." lines; they are the fallback when the inspector gave
 * nothing, and a cross-check when both exist.
 */
import type { NativeBuildReport } from '../native/addon';

export interface EnginePlacement {
  /** DLA subgraphs in the engine: each is one DLA loadable, and a DLA core holds at most 16 at once. */
  dlaLoadables: number;
  /** Engine layers on the GPU, not counting format conversions. */
  gpuLayers: number;
  /** Format and precision conversions (GPU kernels, e.g. fp32 linear to and from a DLA subgraph's fp16). */
  reformatLayers: number;
  source: 'engine-inspector' | 'builder-log';
  /** Set when the inspector and the builder's log disagree on the DLA loadables (the larger count is kept). */
  disagreement?: string;
}

type LayerKind = 'dla' | 'reformat' | 'gpu';

function kindOf(name: string, type: string | undefined): LayerKind {
  if (type === 'ForeignNode' || name.startsWith('{ForeignNode[')) return 'dla';
  if (type === 'Reformat' || name.startsWith('Reformatting CopyNode')) return 'reformat';
  return 'gpu';
}

function count(kinds: LayerKind[]): { dla: number; gpu: number; reformat: number } {
  return {
    dla: kinds.filter((k) => k === 'dla').length,
    gpu: kinds.filter((k) => k === 'gpu').length,
    reformat: kinds.filter((k) => k === 'reformat').length,
  };
}

/**
 * The layer kinds in an engine inspector JSON document ({ "Layers": [name | { Name, LayerType, ... }], ... }), or
 * undefined when it is not one (empty, not JSON, no layers).
 */
export function inspectorLayerKinds(json: string | undefined): LayerKind[] | undefined {
  if (!json) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return undefined;
  }
  const layers = (parsed as { Layers?: unknown } | null)?.Layers;
  if (!Array.isArray(layers) || layers.length === 0) return undefined;
  const kinds: LayerKind[] = [];
  for (const layer of layers) {
    if (typeof layer === 'string') {
      kinds.push(kindOf(layer, undefined));
    } else if (layer !== null && typeof layer === 'object' && typeof (layer as { Name?: unknown }).Name === 'string') {
      const { Name, LayerType } = layer as { Name: string; LayerType?: unknown };
      kinds.push(kindOf(Name, typeof LayerType === 'string' ? LayerType : undefined));
    } else {
      return undefined;
    }
  }
  return kinds;
}

/** The layer kinds in the builder's placement lines ("[DlaLayer] {ForeignNode[...]}", "[GpuLayer] SHUFFLE: ..."). */
export function logLayerKinds(lines: readonly string[] | undefined): LayerKind[] | undefined {
  const kinds = (lines ?? []).flatMap((line): LayerKind[] => {
    if (line.startsWith('[DlaLayer]')) return ['dla'];
    if (line.startsWith('[GpuLayer]')) return [/reformat/i.test(line) ? 'reformat' : 'gpu'];
    return [];
  });
  return kinds.length > 0 ? kinds : undefined;
}

/** The placement of a built engine from the builder's report, or undefined when neither source says. */
export function placementFromReport(report: Pick<NativeBuildReport, 'engineInformation' | 'placementLog'>): EnginePlacement | undefined {
  const inspected = inspectorLayerKinds(report.engineInformation);
  const logged = logLayerKinds(report.placementLog);
  if (!inspected && !logged) return undefined;
  const primary = count((inspected ?? logged)!);
  const placement: EnginePlacement = {
    dlaLoadables: primary.dla,
    gpuLayers: primary.gpu,
    reformatLayers: primary.reformat,
    source: inspected ? 'engine-inspector' : 'builder-log',
  };
  if (inspected && logged) {
    const fromLog = count(logged).dla;
    if (fromLog !== primary.dla) {
      placement.disagreement = `the engine inspector shows ${primary.dla} DLA loadables, the builder's log ${fromLog}`;
      placement.dlaLoadables = Math.max(primary.dla, fromLog);
    }
  }
  return placement;
}
