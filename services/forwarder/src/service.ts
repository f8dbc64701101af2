/**
 * @module service
 * The forwarder service (DESIGN.md §9): one inbound hop takes every topic some sink selected; each item
 * goes to the spool of every sink that selected it; each sink's hop drains its own spool. A dead sink
 * therefore never slows another one, nor the intake.
 */
import { join } from 'node:path'
import type { ServiceContext, ServiceImpl } from '@sluice/mesh'
import type { ForwarderConfigSchema, SinkConfig } from './config.js'
import { createSelector, decodeForwardItem, selectionFilter } from './select.js'
import { ForwarderConfigError } from './errors.js'
import { createSinkHop, type SinkHop } from './sink-hop.js'
import { createSink } from './sinks/registry.js'
import type { ForwardItem } from './sinks/sink.js'

/** With no sinks configured: windows and anomalies to `<dataDir>/forward.jsonl`. */
export const DEFAULT_SINK: SinkConfig = {
  type: 'file',
  name: 'forward',
  topics: ['window', 'anomaly'],
  batchSize: 500,
  lingerMs: 1000,
  ratePerSecond: 0,
  burst: 100,
  retryBaseMs: 500,
  retryMaxMs: 30_000,
  spoolMaxBytes: 64 * 1024 * 1024,
  rotateBytes: 16 * 1024 * 1024,
  keep: 5,
}

/** Builds the forwarder from its runtime context. */
export function createForwarderService(
  ctx: ServiceContext<typeof ForwarderConfigSchema>,
): ServiceImpl {
  const { config, prefix } = ctx
  const configs = config.sinks.length > 0 ? config.sinks : [DEFAULT_SINK]
  const names = new Set<string>()
  for (const c of configs) {
    if (names.has(c.name))
      throw new ForwarderConfigError(
        `two sinks are named "${c.name}": sink names must be unique (each has its own spool folder and metrics)`,
      )
    names.add(c.name)
  }
  const log = ctx.log.child({ component: 'sinks' })
  const sinks: { hop: SinkHop; selects: (topic: string) => boolean }[] = configs.map((c) => ({
    hop: createSinkHop(createSink(c, config.dataDir), {
      spoolDir: join(config.dataDir, 'spool', c.name),
      spoolMaxBytes: c.spoolMaxBytes,
      batchSize: c.batchSize,
      lingerMs: c.lingerMs,
      ratePerSecond: c.ratePerSecond,
      burst: c.burst,
      retryBaseMs: c.retryBaseMs,
      retryMaxMs: c.retryMaxMs,
      log,
    }),
    selects: createSelector(prefix, c.topics),
  }))
  for (const s of sinks) ctx.addMetricsSource(s.hop)
  const filters = [
    ...new Set(configs.flatMap((c) => c.topics.map((e) => selectionFilter(prefix, e)))),
  ]
  ctx.inbound<ForwardItem>({
    name: 'in',
    qos: 1,
    queue: { capacity: 20_000, policy: 'block' },
    filters,
    decode: (topic, payload) => decodeForwardItem(prefix, topic, payload),
    handle: (_key, items) => {
      for (const item of items) for (const s of sinks) if (s.selects(item.topic)) s.hop.offer(item)
    },
  })
  return {
    start: () => {
      for (const s of sinks) s.hop.start()
      return Promise.resolve()
    },
    stop: async () => {
      // Give the sinks a moment to send what is spooled; the rest waits in the spool for the next start.
      await Promise.all(sinks.map((s) => s.hop.flush(2000)))
      await Promise.all(sinks.map((s) => s.hop.stop()))
    },
  }
}
