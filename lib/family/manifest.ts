/**
 * family.json: its TypeScript type, loading, and validation with every problem reported by JSON path: the
 * shared JSON Schema first, then the rules a schema cannot state, then the files themselves.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import Ajv, { type ErrorObject } from 'ajv';

import { FamilyInvalidError, InvalidArgumentError, type ManifestProblem } from '../errors';
import { describeValue, isObject } from '../util/describe-value';
import schemaJson from './family.schema.json';

export interface AccuracyRecord {
  /** Top-1 (or the named metric) in percent. */
  value: number;
  metric: string;
  dataset: string;
  /** `measured` here (by a script in this repo) or `reported` by a paper or another source. */
  source: 'measured' | 'reported' | 'predicted' | 'table';
  reference?: string;
}

/** OFA-MobileNetV3 architecture config: per-block kernel sizes and expand ratios, per-stage depths, resolution. */
export interface OfaConfig {
  ks: number[];
  e: number[];
  d: number[];
  r: number;
}

/** Arithmetic of a model file: fp32, or static int8 (integer operators inside, float input and output). */
export type ModelPrecision = 'fp32' | 'int8';

export interface SubnetManifest {
  id: string;
  /** Model file, relative to the family folder. */
  model: string;
  /** Default fp32. An int8 level is a level like any other (its own file, accuracy and latency). */
  precision?: ModelPrecision;
  /** The same sub-network at the other precision, for side-by-side measurements; not a level the manager picks. */
  sibling?: { precision: ModelPrecision; model: string };
  resolution?: number;
  config?: OfaConfig;
  accuracy: AccuracyRecord;
  /** Accuracy on the bundled sample, when the family ships one. */
  sampleAccuracy?: AccuracyRecord;
  macs?: number;
  params?: number;
  /** Reference latency per device key (e.g. `xavier-nx-gpu`), ms. */
  latencyMs?: Record<string, number>;
}

/** Raw uint8 HWC images back to back, in a file relative to the family folder. */
export interface ImageSet {
  images: string;
  count: number;
  width: number;
  height: number;
  channels: number;
}

/** One int8 candidate a selection measured beside its fp32 twin (family.json `produced.int8Candidates`). */
export interface Int8Candidate {
  config?: OfaConfig;
  resolution: number;
  macs: number;
  fp32: { latencyMs: number; top1?: number };
  int8: { latencyMs: number; top1?: number };
  int8OverFp32: number;
  top1Delta?: number;
  kept: boolean;
  /** The int8 level it became, when kept. */
  level?: string;
  /** The level its fp32 twin is, if any. */
  fp32Level?: string;
  why?: string;
}

export interface Int8CandidatesRecord {
  latency: { cpu: string; isa?: string[]; threads: number; runs: number; how?: string };
  accuracy?: string;
  calibration?: string;
  maxTop1Drop?: number;
  candidates: Int8Candidate[];
}

export interface FamilyManifest {
  schemaVersion: 1;
  name: string;
  description?: string;
  backbone?: Record<string, unknown>;
  task?: { type: string; classes?: number; labels?: string[] };
  input: {
    layout: 'NCHW';
    channels: 1 | 3;
    format: 'gray' | 'rgb' | 'bgr';
    mean: number[];
    std: number[];
  };
  weights?: 'trained' | 'synthetic' | 'pretrained';
  produced?: Record<string, unknown> & { int8Candidates?: Int8CandidatesRecord };
  sample?: ImageSet & { labels: string };
  /** int8 calibration images, drawn from the training data: what the int8 export and TensorRT's int8 calibration use. */
  calibration?: ImageSet & { source?: string };
  /** Ordered from the fastest (index 0) to the most accurate. */
  subnets: SubnetManifest[];
}

/** The JSON Schema of family.json: `lib/family/family.schema.json`, which the Python toolkit reads too. */
export const familyManifestSchema: Readonly<Record<string, unknown>> = schemaJson;

const ajv = new Ajv({ allErrors: true, strict: false });
const validateSchema = ajv.compile(familyManifestSchema);

function describe(error: ErrorObject): ManifestProblem {
  const where = error.instancePath;
  switch (error.keyword) {
    case 'required':
      return { path: `${where}/${String(error.params.missingProperty)}`, message: 'is required' };
    case 'enum':
      return { path: where, message: `must be one of ${JSON.stringify(error.params.allowedValues)}` };
    case 'const':
      return { path: where, message: `must be ${JSON.stringify(error.params.allowedValue)}` };
    default:
      return { path: where, message: error.message ?? error.keyword };
  }
}

/** True when `target` (absolute) is below `dir` (absolute), not `dir` itself. */
function isBelow(dir: string, target: string): boolean {
  const rel = path.relative(dir, target);
  return rel !== '' && rel.split(path.sep)[0] !== '..' && !path.isAbsolute(rel);
}

/** True when `relative` stays inside `dir` as written (no absolute paths, no `..` escapes). */
/** A sub-network's input resolution as its manifest entry states it (`resolution`, else its OFA config's `r`). */
export function subnetResolution(subnet: Pick<SubnetManifest, 'resolution' | 'config'>): number | undefined {
  return subnet.resolution ?? subnet.config?.r;
}

export function isInside(dir: string, relative: string): boolean {
  return !path.isAbsolute(relative) && isBelow(dir, path.resolve(dir, relative));
}

/**
 * Where a file of the family really is, checked once it exists: a symbolic link (the file's or a folder's on
 * the way) may lead out of the family folder, which a check of the path as written cannot see. Returns a
 * problem, or null when the file is missing (reported elsewhere) or really inside.
 */
function escapesByLink(realDir: string, file: string, jsonPath: string, written: string): ManifestProblem | null {
  let real: string;
  try {
    real = fs.realpathSync(file);
  } catch {
    return null;
  }
  return isBelow(realDir, real) ? null : { path: jsonPath, message: `'${written}' leads to ${real} (through a symbolic link), outside the family folder` };
}

interface FamilyFile {
  /** As written in family.json. */
  written: string;
  jsonPath: string;
}

/** Every file family.json names, with its JSON path: the models, the siblings, the sample and the calibration images. */
function namedFiles(manifest: FamilyManifest): FamilyFile[] {
  const files: FamilyFile[] = manifest.subnets.flatMap((s, i) => [
    { written: s.model, jsonPath: `/subnets/${i}/model` },
    ...(s.sibling ? [{ written: s.sibling.model, jsonPath: `/subnets/${i}/sibling/model` }] : []),
  ]);
  if (manifest.sample) files.push(...(['images', 'labels'] as const).map((key) => ({ written: manifest.sample![key], jsonPath: `/sample/${key}` })));
  if (manifest.calibration) files.push({ written: manifest.calibration.images, jsonPath: '/calibration/images' });
  return files;
}

/** A kept int8 candidate names the int8 level it became; a named fp32 twin is an fp32 level. */
function int8CandidateProblems(manifest: FamilyManifest): ManifestProblem[] {
  const precisionOf = new Map(manifest.subnets.map((s) => [s.id, s.precision ?? 'fp32']));
  const problems: ManifestProblem[] = [];
  manifest.produced?.int8Candidates?.candidates.forEach((c, i) => {
    const where = `/produced/int8Candidates/candidates/${i}`;
    if (c.kept && c.level === undefined) problems.push({ path: `${where}/level`, message: 'is required when kept is true' });
    if (!c.kept && c.level !== undefined) problems.push({ path: `${where}/level`, message: `names level '${c.level}' but kept is false` });
    for (const [key, precision] of [['level', 'int8'], ['fp32Level', 'fp32']] as const) {
      const id = c[key];
      if (id !== undefined && precisionOf.get(id) !== precision) problems.push({ path: `${where}/${key}`, message: `'${id}' is not an ${precision} level of this family` });
    }
  });
  return problems;
}

/** Checks a parsed manifest: the schema, then the rules a schema cannot say. Returns every problem. */
export function validateManifest(value: unknown, dir: string): ManifestProblem[] {
  if (!validateSchema(value)) return (validateSchema.errors ?? []).map(describe);
  const manifest = value as FamilyManifest;
  const problems: ManifestProblem[] = [];
  const { channels, mean, std, format } = manifest.input;
  if (mean.length !== channels) problems.push({ path: '/input/mean', message: `has ${mean.length} values; input.channels is ${channels}` });
  if (std.length !== channels) problems.push({ path: '/input/std', message: `has ${std.length} values; input.channels is ${channels}` });
  if ((channels === 1) !== (format === 'gray')) {
    problems.push({ path: '/input/format', message: `'${format}' does not fit ${channels} channel(s)` });
  }
  const seen = new Map<string, number>();
  manifest.subnets.forEach((subnet, i) => {
    const previous = seen.get(subnet.id);
    if (previous !== undefined) problems.push({ path: `/subnets/${i}/id`, message: `duplicates /subnets/${previous}/id '${subnet.id}'` });
    seen.set(subnet.id, i);
    if (subnet.config && subnet.resolution !== undefined && subnet.config.r !== subnet.resolution) {
      problems.push({ path: `/subnets/${i}/config/r`, message: `is ${subnet.config.r}; resolution is ${subnet.resolution}` });
    }
    const precision = subnet.precision ?? 'fp32';
    if (subnet.sibling?.precision === precision) {
      problems.push({ path: `/subnets/${i}/sibling/precision`, message: `is '${precision}', the level's own; a sibling has the other precision` });
    }
  });
  for (const f of namedFiles(manifest)) {
    if (!isInside(dir, f.written)) problems.push({ path: f.jsonPath, message: `'${f.written}' must be a relative path inside the family folder` });
  }
  problems.push(...int8CandidateProblems(manifest));
  return problems;
}

function realFolder(dir: string): string {
  try {
    return fs.realpathSync(dir);
  } catch {
    return dir; // an in-memory manifest's folder need not exist; then no file in it does either
  }
}

export interface LoadedManifest {
  /** Absolute folder of the family. */
  dir: string;
  /** Absolute path of family.json (or '<object>' for an in-memory manifest). */
  file: string;
  manifest: FamilyManifest;
  /** Absolute model paths, in subnet order. */
  modelPaths: string[];
}

/** A family source of the wrong kind is the caller's mistake, told apart from a bad family. */
function checkSource(source: unknown): void {
  if (typeof source === 'string' && source !== '') return;
  if (isObject(source) && 'manifest' in source && typeof source['dir'] === 'string' && source['dir'] !== '') return;
  throw new InvalidArgumentError(
    'E_INVALID_ARGUMENT',
    `the family must be a folder holding family.json, a family.json path, or { manifest, dir } (dir: the folder its paths are relative to); got ${describeValue(source)}`,
  );
}

/**
 * Reads and validates a family: a folder holding family.json, the path of a manifest file, or an in-memory
 * manifest with `dir` as the folder its paths are relative to. Model files must exist.
 */
export function loadManifest(source: string | { manifest: unknown; dir: string }): LoadedManifest {
  checkSource(source);
  let dir: string;
  let file: string;
  let value: unknown;
  if (typeof source === 'string') {
    // A folder (existing, or any path not naming a .json file) holds family.json.
    const stat = fs.statSync(source, { throwIfNoEntry: false });
    const isFolder = stat ? stat.isDirectory() : !source.endsWith('.json');
    file = path.resolve(isFolder ? path.join(source, 'family.json') : source);
    dir = path.dirname(file);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (error) {
      throw new FamilyInvalidError(file, [{ path: '', message: `cannot read: ${(error as Error).message}` }], { cause: error });
    }
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new FamilyInvalidError(file, [{ path: '', message: `is not valid JSON: ${(error as Error).message}` }], { cause: error });
    }
  } else {
    dir = path.resolve(source.dir);
    file = '<object>';
    value = source.manifest;
  }
  const problems = validateManifest(value, dir);
  if (problems.length > 0) throw new FamilyInvalidError(file, problems);
  const manifest = value as FamilyManifest;
  const modelPaths = manifest.subnets.map((s) => path.resolve(dir, s.model));
  const missing = modelPaths
    .map((p, i) => ({ p, i }))
    .filter(({ p }) => !fs.existsSync(p))
    .map(({ p, i }) => ({ path: `/subnets/${i}/model`, message: `file not found: ${p}` }));
  if (missing.length > 0) throw new FamilyInvalidError(file, missing);
  const realDir = realFolder(dir);
  const escaping = namedFiles(manifest).flatMap((f) => escapesByLink(realDir, path.resolve(dir, f.written), f.jsonPath, f.written) ?? []);
  if (escaping.length > 0) throw new FamilyInvalidError(file, escaping);
  return { dir, file, manifest, modelPaths };
}
