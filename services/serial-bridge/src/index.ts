/**
 * @module @sluice/serial-bridge
 * The serial bridge: reads an Arduino (or simulates sensors, or replays a CSV recording) and publishes raw
 * samples (DESIGN.md §10). The service definition for `runService` / `sluice bridge`, and its parts.
 *
 * The public surface: only the names other packages (or this package's `main.ts`) import, checked by
 * `cli/test/surfaces.test.ts`. Internals live in their module files; this package's tests reach them
 * there or through `internal.ts` (index plus internals, as nats.js's `mod.ts` / `internal_mod.ts`).
 */
import type { ServiceDefinition } from '@sluice/mesh'
import { SerialBridgeConfigSchema } from './config.js'
import { createSerialBridgeService } from './service.js'

export { resolveBridgeConfig } from './config.js'
export { createSerialBridgeService } from './service.js'
export type { SerialBridge } from './service.js'
export { createLineIntake } from './line/line-intake.js'
export { printPortList } from './serial/list-ports.js'
export type { SimSource } from './sources/sim-source.js'
export { parseReplayCsv } from './replay/replay-csv.js'
export { channelsFromColumns } from './sources/replay-source.js'

/** The serial bridge, as `runService` and `sluice bridge` run it. */
export const serialBridgeService: ServiceDefinition<typeof SerialBridgeConfigSchema> = {
  name: 'serial-bridge',
  version: '0.1.0',
  configSchema: SerialBridgeConfigSchema,
  create: (ctx) => createSerialBridgeService(ctx),
}
