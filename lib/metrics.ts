/**
 * `dynamic-ofa/metrics`: Prometheus metrics of a `RuntimeManager`, made with prom-client (an optional peer
 * dependency: install it next to dynamic-ofa). Nothing in the runtime (`dynamic-ofa`) imports from here.
 *
 * @packageDocumentation
 * @module dynamic-ofa/metrics
 */
export { DEFAULT_LATENCY_BUCKETS, managerMetrics, type ManagerMetrics, type ManagerMetricsOptions, type ObservedManager } from './metrics/manager-metrics';
export { DependencyMissingError } from './errors';
