/**
 * @module @sluice/dashboard/internal
 * The public surface (`index.ts`) plus the internals that only this package's own tests reach, as
 * nats.js's `internal_mod.ts` does. Not a package export: other packages import `@sluice/dashboard`.
 */
export * from './index.js'
export { DashboardConfigSchema } from './config.js'
export type { DashboardConfig } from './config.js'
export { createDashboardService } from './service.js'
export type { DashboardService } from './service.js'
export { DashboardErrorCode, DashboardInsecureError, DashboardListenError } from './errors.js'
export { createLiveState } from './server/live-state.js'
export type { LiveState, LiveStateOptions, LiveStateStats } from './server/live-state.js'
export { decimateMinMax } from './server/decimate.js'
export { createSseHub } from './server/sse-hub.js'
export { createSnapshotEncoder } from './server/snapshot-json.js'
export type { BuildSnapshot } from './server/snapshot-json.js'
export type { SseHub, SseHubOptions } from './server/sse-hub.js'
export { isAuthorised, isLoopback, isSameOrigin } from './server/access.js'
export type { Credentials } from './server/access.js'
export type {
  AnomalyUpdate,
  Frame,
  PageConfig,
  RateRequestBody,
  SampleColumns,
  ServiceRow,
  Snapshot,
  WindowUpdate,
} from './protocol.js'
