/**
 * @module @sluice/windowing
 * The windowing service: raw samples in, window aggregates out (DESIGN.md §7).
 *
 * The public surface: only the names other packages (or this package's `main.ts`) import, checked by
 * `cli/test/surfaces.test.ts`. Internals live in their module files; this package's tests reach them
 * there or through `internal.ts` (index plus internals, as nats.js's `mod.ts` / `internal_mod.ts`).
 */
import type { ServiceDefinition } from '@sluice/mesh'
import { WindowingConfigSchema } from './config.js'
import { createWindowingService } from './service.js'

/** The windowing service, as `runService` and `sluice window` run it. */
export const windowingService: ServiceDefinition<typeof WindowingConfigSchema> = {
  name: 'windowing',
  version: '0.1.0',
  configSchema: WindowingConfigSchema,
  create: createWindowingService,
}
