/**
 * @module @sluice/dashboard
 * The dashboard service: a live web page for sensors and pipeline health (DESIGN.md §1, §6), served on
 * loopback by default. The service definition for `runService` / `sluice dashboard`, and its parts.
 *
 * The public surface: only the names other packages (or this package's `main.ts`) import, checked by
 * `cli/test/surfaces.test.ts`. Internals live in their module files; this package's tests reach them
 * there or through `internal.ts` (index plus internals, as nats.js's `mod.ts` / `internal_mod.ts`).
 */
import type { ServiceDefinition } from '@sluice/mesh'
import { DashboardConfigSchema } from './config.js'
import { createDashboardService } from './service.js'

export { accessPolicy } from './server/access.js'

/** The dashboard, as `runService` and `sluice dashboard` run it. */
export const dashboardService: ServiceDefinition<typeof DashboardConfigSchema> = {
  name: 'dashboard',
  version: '0.1.0',
  configSchema: DashboardConfigSchema,
  create: createDashboardService,
}
