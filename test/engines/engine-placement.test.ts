import { inspectorLayerKinds, logLayerKinds, placementFromReport } from '../../lib/engines/engine-placement';

// Shaped like IEngineInspector::getEngineInformation(kJSON): layer names only (the default verbosity) or, with
// ProfilingVerbosity::kDETAILED (what the builder sets), objects with Name and LayerType. DLA subgraphs are
// "{ForeignNode[first...last]}" layers of LayerType "DLA"; the GPU regions Myelin compiles have the same kind of
// name and LayerType "Myelin" (as trtexec --dumpLayerInfo shows).
const detailed = JSON.stringify({
  Layers: [
    { Name: 'Reformatting CopyNode for Input Tensor 0 to {ForeignNode[/stem/conv/Conv.../blocks.1/Relu]}', LayerType: 'Reformat' },
    { Name: '{ForeignNode[/stem/conv/Conv.../blocks.1/Relu]}', LayerType: 'DLA' },
    { Name: '/blocks.1/se/ReduceMean', LayerType: 'Reduce' },
    { Name: '{ForeignNode[/blocks.1/hswish/Add.../blocks.1/se/Mul]}', LayerType: 'Myelin' },
    { Name: '{ForeignNode[/blocks.2/conv/Conv.../classifier/Gemm]}', LayerType: 'DLA' },
    { Name: 'Reformatting CopyNode for Output Tensor 0 to output', LayerType: 'Reformat' },
  ],
  Bindings: ['input', 'output'],
});
const namesOnly = JSON.stringify({
  Layers: ['{ForeignNode[a...b]}', 'reduce', '{ForeignNode[c...d]}', '{ForeignNode[e...f]}', 'Reformatting CopyNode for Output Tensor 0 to output'],
  Bindings: ['input', 'output'],
});

describe('engine placement, read from the built engine', () => {
  it('counts DLA loadables by LayerType: a Myelin GPU region named {ForeignNode[...]} is a GPU layer, not a loadable', () => {
    expect(placementFromReport({ engineInformation: detailed })).toEqual({ dlaLoadables: 2, gpuLayers: 2, reformatLayers: 2, source: 'engine-inspector' });
    expect(inspectorLayerKinds(detailed)).toEqual(['reformat', 'dla', 'gpu', 'gpu', 'dla', 'reformat']);
    // A LayerType decides even where the name says otherwise; only a layer without one is judged by its name.
    expect(inspectorLayerKinds(JSON.stringify({ Layers: [{ Name: '{ForeignNode[x]}', LayerType: 'Myelin' }, { Name: '{ForeignNode[y]}' }, { Name: 'Reformatting CopyNode z' }] })))
      .toEqual(['gpu', 'dla', 'reformat']);
  });

  it('falls back to the layer names when the inspector gave names only (every {ForeignNode[...]} counted as DLA)', () => {
    expect(placementFromReport({ engineInformation: namesOnly })).toEqual({ dlaLoadables: 3, gpuLayers: 1, reformatLayers: 1, source: 'engine-inspector' });
  });

  it('falls back to the builder\'s [DlaLayer]/[GpuLayer] lines; when both exist the source that knows the device wins, never the larger count', () => {
    const log = ['[DlaLayer] {ForeignNode[a...b]}', '[GpuLayer] REDUCE: /se/ReduceMean', '[GpuLayer] POINTWISE: PWN(hswish)', '[DlaLayer] {ForeignNode[c...d]}'];
    expect(placementFromReport({ placementLog: log })).toEqual({ dlaLoadables: 2, gpuLayers: 2, reformatLayers: 0, source: 'builder-log' });
    // Names only: the log, which names the device per layer, beats names that count Myelin regions as DLA.
    const namesAndLog = placementFromReport({ engineInformation: namesOnly, placementLog: log })!;
    expect(namesAndLog).toMatchObject({ dlaLoadables: 2, gpuLayers: 2, source: 'builder-log' });
    expect(namesAndLog.disagreement).toMatch(/engine inspector shows 3 DLA loadables, the builder's log 2 \(the log's count is kept/);
    // Typed inspector JSON: it wins over a log that says more.
    const logMore = placementFromReport({ engineInformation: detailed, placementLog: [...log, '[DlaLayer] {ForeignNode[x...y]}'] })!;
    expect(logMore).toMatchObject({ dlaLoadables: 2, source: 'engine-inspector' });
    expect(logMore.disagreement).toMatch(/inspector shows 2 DLA loadables, the builder's log 3 \(the inspector's count is kept\)/);
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
