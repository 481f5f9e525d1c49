/**
 * Where a built engine's layers run, read from the engine itself rather than predicted before the build: the
 * engine inspector's JSON lists the engine's layers, and each DLA subgraph, which is one DLA loadable, appears as a
 * "{ForeignNode[first...last]}" layer with LayerType "DLA" (detailed profiling verbosity, which the builder sets).
 * TensorRT names the GPU regions its Myelin compiler fuses "{ForeignNode[...]}" too (LayerType "Myelin"), so the
 * name alone over-counts: the LayerType decides, and the name is read only where a layer has none. TensorRT 8.x's
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
  /** Set when the inspector and the builder's log disagree on the DLA loadables, saying which count is kept (never the larger one by itself). */
  disagreement?: string;
}

type LayerKind = 'dla' | 'reformat' | 'gpu';

// By LayerType where the layer has one: "DLA" is a DLA subgraph, "Myelin" (also named "{ForeignNode[...]}") a GPU
// region. By name only without one (names-only inspector JSON), which counts Myelin regions as DLA.
function kindOf(name: string, type: string | undefined): LayerKind {
  if (type !== undefined) return type === 'DLA' ? 'dla' : type === 'Reformat' ? 'reformat' : 'gpu';
  if (name.startsWith('{ForeignNode[')) return 'dla';
  if (name.startsWith('Reformatting CopyNode')) return 'reformat';
  return 'gpu';
}

function count(kinds: LayerKind[]): { dla: number; gpu: number; reformat: number } {
  return {
    dla: kinds.filter((k) => k === 'dla').length,
    gpu: kinds.filter((k) => k === 'gpu').length,
    reformat: kinds.filter((k) => k === 'reformat').length,
  };
}

/** An inspector document's layer kinds, and whether every layer had a LayerType (then Myelin regions are told apart). */
interface InspectedLayers {
  kinds: LayerKind[];
  typed: boolean;
}

/**
 * The layer kinds in an engine inspector JSON document ({ "Layers": [name | { Name, LayerType, ... }], ... }), or
 * undefined when it is not one (empty, not JSON, no layers).
 */
export function inspectorLayerKinds(json: string | undefined): LayerKind[] | undefined {
  return inspectLayers(json)?.kinds;
}

function inspectLayers(json: string | undefined): InspectedLayers | undefined {
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
  let typed = true;
  for (const layer of layers) {
    if (typeof layer === 'string') {
      kinds.push(kindOf(layer, undefined));
      typed = false;
    } else if (layer !== null && typeof layer === 'object' && typeof (layer as { Name?: unknown }).Name === 'string') {
      const { Name, LayerType } = layer as { Name: string; LayerType?: unknown };
      const type = typeof LayerType === 'string' ? LayerType : undefined;
      kinds.push(kindOf(Name, type));
      typed &&= type !== undefined;
    } else {
      return undefined;
    }
  }
  return { kinds, typed };
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

/**
 * The placement of a built engine from the builder's report, or undefined when neither source says. One source
 * gives every count, the one that knows best which device each layer runs on: the inspector's JSON when all its
 * layers have a LayerType (read from the built engine, and it tells DLA subgraphs from Myelin GPU regions), else
 * the builder's log (its lines name the device), else the inspector's layer names (which count Myelin regions as
 * DLA). No maximum of the two: it would keep exactly the over-count the names make, and refuse families that fit.
 */
export function placementFromReport(report: Pick<NativeBuildReport, 'engineInformation' | 'placementLog'>): EnginePlacement | undefined {
  const inspected = inspectLayers(report.engineInformation);
  const logged = logLayerKinds(report.placementLog);
  if (!inspected && !logged) return undefined;
  const useLog = logged !== undefined && (inspected === undefined || !inspected.typed);
  const primary = count(useLog ? logged : inspected!.kinds);
  const placement: EnginePlacement = {
    dlaLoadables: primary.dla,
    gpuLayers: primary.gpu,
    reformatLayers: primary.reformat,
    source: useLog ? 'builder-log' : 'engine-inspector',
  };
  if (inspected && logged) {
    const [fromInspector, fromLog] = [count(inspected.kinds).dla, count(logged).dla];
    if (fromInspector !== fromLog) {
      const kept = useLog ? 'the log\'s count is kept: the inspector gave names only' : 'the inspector\'s count is kept';
      placement.disagreement = `the engine inspector shows ${fromInspector} DLA loadables, the builder's log ${fromLog} (${kept})`;
    }
  }
  return placement;
}
