/**
 * Prometheus metrics of a runtime manager, in a prom-client registry: a latency histogram per sub-network and
 * device, frames and deadlines met, switches by reason and conflicts (counted from the manager's events), and the
 * level, device and constraints in force (read from the manager when Prometheus scrapes). Names carry a prefix
 * and their unit, as prom-client's conventions ask; docs/services.md lists them.
 */
import type { Registry } from 'prom-client';
import type { RuntimeManager } from '../manager/runtime-manager';
import type { ConflictEvent, SwitchEvent } from '../manager/runtime-manager';
import type { FrameRecord, ManagedInferResult } from '../manager/types';
import { InvalidArgumentError } from '../errors';
import { describeValue, isObject, isOptionsObject } from '../util/describe-value';
import { loadPromClient, type PromClientModule } from './prom-client';

export interface ManagerMetricsOptions {
  /** Where the metrics are registered; default prom-client's default registry. */
  readonly registry?: Registry;
  /** Prepended to every metric name; default 'dynamic_ofa_'. */
  readonly prefix?: string;
  /** Upper bounds of the latency histogram's buckets, seconds; default 0.1 ms to 2.5 s. */
  readonly latencyBuckets?: readonly number[];
  /** The prom-client module to make the metrics with; default the one `require('prom-client')` finds. */
  readonly client?: PromClientModule;
}

/** The manager as the metrics read it: its events, the candidate it runs and the constraints in force. */
export type ObservedManager = Pick<RuntimeManager<never, ManagedInferResult>, 'on' | 'off' | 'current' | 'normalizedConstraints' | 'candidates'>;

export interface ManagerMetrics {
  readonly registry: Registry;
  /** Every metric name registered, prefix included. */
  readonly names: readonly string[];
  /** Stops counting and removes the metrics from the registry. */
  detach(): void;
}

export const DEFAULT_LATENCY_BUCKETS: readonly number[] = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** Registers the metrics of `manager` and keeps them current until detach(). */
export function managerMetrics(manager: ObservedManager, options: ManagerMetricsOptions = {}): ManagerMetrics {
  if (!isOptionsObject(options)) throw new InvalidArgumentError('E_INVALID_ARGUMENT', `metrics options must be an object or omitted; got ${describeValue(options)}`);
  // without prom-client nothing here can work: that is said first, whatever the manager
  const client = options.client ?? loadPromClient();
  if (!isObject(manager) || typeof manager.on !== 'function' || !isObject(manager.candidates)) {
    throw new InvalidArgumentError('E_INVALID_ARGUMENT', `managerMetrics needs a RuntimeManager; got ${describeValue(manager)}`);
  }
  const registry = options.registry ?? client.register;
  const p = options.prefix ?? 'dynamic_ofa_';
  const registers = [registry];
  const { candidates } = manager.candidates;

  const latency = new client.Histogram({
    name: `${p}inference_latency_seconds`,
    help: 'Native inference latency of each frame, by the sub-network and device that ran it.',
    labelNames: ['subnet', 'device'],
    buckets: [...(options.latencyBuckets ?? DEFAULT_LATENCY_BUCKETS)],
    registers,
  });
  const frames = new client.Counter({ name: `${p}frames_total`, help: 'Frames the runtime manager ran.', registers });
  const met = new client.Counter({ name: `${p}deadlines_met_total`, help: 'Frames whose latency met the latency target in force.', registers });
  const conflictFrames = new client.Counter({ name: `${p}conflict_frames_total`, help: 'Frames whose decision reported that the constraints cannot all be met.', registers });
  const switches = new client.Counter({ name: `${p}switches_total`, help: 'Changes of the sub-network or device, by the reason the policy gave.', labelNames: ['reason'], registers });
  const conflicts = new client.Counter({ name: `${p}conflicts_total`, help: 'Times the constraints became impossible to meet together, by kind.', labelNames: ['kind'], registers });
  const level = new client.Gauge({
    name: `${p}active_level`,
    help: 'Index of the sub-network in use (its level in the family; -1 before the first frame).',
    registers,
    collect() {
      this.set(manager.current?.subnet ?? -1);
    },
  });
  const active = new client.Gauge({
    name: `${p}active_subnet_info`,
    help: 'The sub-network and device in use: 1 for the pair that ran the last frame.',
    labelNames: ['subnet', 'device'],
    registers,
    collect() {
      this.reset();
      const c = manager.current;
      if (c) this.set({ subnet: c.id, device: c.device }, 1);
    },
  });
  const target = new client.Gauge({
    name: `${p}latency_target_seconds`,
    help: 'The latency target in force (from latencyTargetMs or fps); +Inf when none.',
    registers,
    collect() {
      this.set(manager.normalizedConstraints.targetMs / 1000);
    },
  });
  const floor = new client.Gauge({
    name: `${p}accuracy_floor_ratio`,
    help: 'The accuracy floor in force, as a ratio of top-1 accuracy (0..1).',
    registers,
    collect() {
      this.set(manager.normalizedConstraints.accuracyFloor / 100);
    },
  });
  const objective = new client.Gauge({
    name: `${p}objective_info`,
    help: "The objective in force: 1 for 'accuracy' or 'latency'.",
    labelNames: ['objective'],
    registers,
    collect() {
      this.reset();
      this.set({ objective: manager.normalizedConstraints.objective }, 1);
    },
  });

  // One labelled child per candidate, made once: every series exists from the start, and a frame costs no label lookup.
  const latencyOf = candidates.map((c) => {
    latency.zero({ subnet: c.id, device: c.device });
    return latency.labels({ subnet: c.id, device: c.device });
  });
  const onFrame = (r: FrameRecord): void => {
    latencyOf[r.candidate]?.observe(r.latencyMs / 1000);
    frames.inc();
    if (r.met) met.inc();
    if (r.conflict !== null) conflictFrames.inc();
  };
  const onSwitch = (e: SwitchEvent): void => switches.inc({ reason: e.reason });
  const onConflict = (e: ConflictEvent): void => {
    if (e.conflict !== null) conflicts.inc({ kind: e.conflict });
  };
  manager.on('frame', onFrame);
  manager.on('switch', onSwitch);
  manager.on('conflict', onConflict);

  const all = [latency, frames, met, conflictFrames, switches, conflicts, level, active, target, floor, objective];
  const names = all.map((m) => (m as unknown as { name: string }).name);
  return {
    registry,
    names,
    detach() {
      manager.off('frame', onFrame);
      manager.off('switch', onSwitch);
      manager.off('conflict', onConflict);
      for (const name of names) registry.removeSingleMetric(name);
    },
  };
}
