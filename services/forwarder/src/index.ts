/**
 * @module @sluice/forwarder
 * The forwarder service: windows and anomalies (or any selected topics) out to InfluxDB, HTTP, a cloud MQTT
 * broker or files, each sink rate-limited, batched, retried and spooled to disk (DESIGN.md §9).
 *
 * The public surface: only the names other packages (or this package's `main.ts`) import, checked by
 * `cli/test/surfaces.test.ts`. Internals live in their module files; this package's tests reach them
 * there or through `internal.ts` (index plus internals, as nats.js's `mod.ts` / `internal_mod.ts`).
 */
import type { ServiceDefinition } from '@sluice/mesh'
import { ForwarderConfigSchema } from './config.js'
import { createForwarderService } from './service.js'

export { createSinkHop } from './sink-hop.js'
export { SinkSendError } from './errors.js'
export type { ForwardItem, Sink } from './sinks/sink.js'

/** The forwarder service, as `runService` and `sluice forward` run it. */
export const forwarderService: ServiceDefinition<typeof ForwarderConfigSchema> = {
  name: 'forwarder',
  version: '0.1.0',
  configSchema: ForwarderConfigSchema,
  create: createForwarderService,
}
