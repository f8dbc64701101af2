/**
 * @module @sluice/anomaly
 * The anomaly service: raw samples in, anomaly episode events out (DESIGN.md §8).
 *
 * The public surface: only the names other packages (or this package's `main.ts`) import, checked by
 * `cli/test/surfaces.test.ts`. Internals live in their module files; this package's tests reach them
 * there or through `internal.ts` (index plus internals, as nats.js's `mod.ts` / `internal_mod.ts`).
 */
import type { ServiceDefinition } from '@sluice/mesh'
import { AnomalyConfigSchema } from './config.js'
import { createAnomalyService } from './service.js'

export { createDetectorSet, defaultAnomalyConfig } from './detector-set.js'

/** The anomaly service, as `runService` and `sluice anomaly` run it. */
export const anomalyService: ServiceDefinition<typeof AnomalyConfigSchema> = {
  name: 'anomaly',
  version: '0.1.0',
  configSchema: AnomalyConfigSchema,
  create: createAnomalyService,
}
