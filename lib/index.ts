export { loadFamily, DynamicModel } from './model';
export type { ImageInput, InferenceResult, InferOptions, LoadOptions, ModelInput, PixelFormat, SubnetInfo } from './model';
export { backends, DEVICES } from './backends';
export type { BackendInfo, Device } from './backends';
export { loadManifest, validateManifest, familyManifestSchema } from './family-manifest';
export type { AccuracyRecord, FamilyManifest, LoadedManifest, OfaConfig, SubnetManifest } from './family-manifest';
export * from './errors';
export * from './manager';
