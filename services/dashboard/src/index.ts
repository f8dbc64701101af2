/**
 * @module @sluice/dashboard
 * The dashboard service: a live web page for sensors and pipeline health (DESIGN.md §1, §6), served on
 * loopback by default. The service definition for `runService` / `sluice dashboard`, and its parts.
 */
import type { ServiceDefinition } from '@sluice/mesh'
import { DashboardConfigSchema } from './config.js'
import { createDashboardService } from './service.js'

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
export { accessPolicy, isAuthorised, isLoopback, isSameOrigin } from './server/access.js'
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

/** The dashboard, as `runService` and `sluice dashboard` run it. */
export const dashboardService: ServiceDefinition<typeof DashboardConfigSchema> = {
  name: 'dashboard',
  version: '0.1.0',
  configSchema: DashboardConfigSchema,
  create: createDashboardService,
}
