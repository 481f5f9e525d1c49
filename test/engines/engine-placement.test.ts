import { inspectorLayerKinds, logLayerKinds, placementFromReport } from '../../lib/engines/engine-placement';

// Shaped like IEngineInspector::getEngineInformation(kJSON): layer names only (the default verbosity) or, with
// ProfilingVerbosity::kDETAILED (what the builder sets), objects with Name and LayerType. DLA subgraphs are the
// "{ForeignNode[first...last]}" layers.
const detailed = JSON.stringify({
  Layers: [
    { Name: 'Reformatting CopyNode for Input Tensor 0 to {ForeignNode[/stem/conv/Conv.../blocks.1/Relu]}', LayerType: 'Reformat' },
    { Name: '{ForeignNode[/stem/conv/Conv.../blocks.1/Relu]}', LayerType: 'ForeignNode' },
    { Name: '/blocks.1/se/ReduceMean', LayerType: 'Reduce' },
    { Name: 'PWN(/blocks.1/hswish/Add, /blocks.1/hswish/Div)', LayerType: 'PointWiseV2' },
    { Name: '{ForeignNode[/blocks.2/conv/Conv.../classifier/Gemm]}', LayerType: 'ForeignNode' },
    { Name: 'Reformatting CopyNode for Output Tensor 0 to output', LayerType: 'Reformat' },
  ],
  Bindings: ['input', 'output'],
});
const namesOnly = JSON.stringify({
  Layers: ['{ForeignNode[a...b]}', 'reduce', '{ForeignNode[c...d]}', '{ForeignNode[e...f]}', 'Reformatting CopyNode for Output Tensor 0 to output'],
  Bindings: ['input', 'output'],
});

describe('engine placement, read from the built engine', () => {
  it('counts DLA loadables (ForeignNode layers), GPU layers and reformats in the inspector JSON of either verbosity', () => {
    expect(placementFromReport({ engineInformation: detailed })).toEqual({ dlaLoadables: 2, gpuLayers: 2, reformatLayers: 2, source: 'engine-inspector' });
    expect(placementFromReport({ engineInformation: namesOnly })).toEqual({ dlaLoadables: 3, gpuLayers: 1, reformatLayers: 1, source: 'engine-inspector' });
  });

  it('falls back to the builder\'s [DlaLayer]/[GpuLayer] lines, and keeps the larger DLA count when the two disagree', () => {
    const log = ['[DlaLayer] {ForeignNode[a...b]}', '[GpuLayer] REDUCE: /se/ReduceMean', '[GpuLayer] POINTWISE: PWN(hswish)', '[DlaLayer] {ForeignNode[c...d]}'];
    expect(placementFromReport({ placementLog: log })).toEqual({ dlaLoadables: 2, gpuLayers: 2, reformatLayers: 0, source: 'builder-log' });
    const both = placementFromReport({ engineInformation: namesOnly, placementLog: log })!;
    expect(both).toMatchObject({ dlaLoadables: 3, source: 'engine-inspector' });
    expect(both.disagreement).toMatch(/engine inspector shows 3 DLA loadables, the builder's log 2/);
    const logMore = placementFromReport({ engineInformation: detailed, placementLog: [...log, '[DlaLayer] {ForeignNode[x...y]}'] })!;
    expect(logMore.dlaLoadables).toBe(3);
  });

  it('says nothing rather than guess when neither source has layers', () => {
    expect(placementFromReport({})).toBeUndefined();
    expect(placementFromReport({ engineInformation: '', placementLog: [] })).toBeUndefined();
    expect(inspectorLayerKinds('not json')).toBeUndefined();
    expect(inspectorLayerKinds(JSON.stringify({ Layers: [] }))).toBeUndefined();
    expect(inspectorLayerKinds(JSON.stringify({ Layers: [42] }))).toBeUndefined();
    expect(logLayerKinds(['[I] something else'])).toBeUndefined();
    expect(inspectorLayerKinds(JSON.stringify({ Layers: ['a', { Name: '{ForeignNode[x]}' }] }))).toEqual(['gpu', 'dla']);
  });
});
