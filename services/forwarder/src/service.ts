/**
 * @module service
 * The forwarder service (DESIGN.md §9): one inbound hop takes every topic some sink selected; each item
 * goes to the spool of every sink that selected it; each sink's hop drains its own spool. A dead sink
 * therefore never slows another one, nor the intake. The instances of a group share the sinks, each
 * sink taken by one instance at a time (sink-group.ts).
 */
import { join } from 'node:path'
import type { HandleBatch, ServiceContext, ServiceImpl } from '@sluice/mesh'
import type { ForwarderConfigSchema, SinkConfig } from './config.js'
import { createSelector, decodeForwardItem, selectionFilter } from './select.js'
import { ForwarderConfigError } from './errors.js'
import { createSinkCommits, type SinkCommits } from './sink-commit.js'
import { createSinkGroup, type SinkGroup } from './sink-group.js'
import { createSinkHop, type SinkHop, type SinkHopOptions } from './sink-hop.js'
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

/** A sink as the service runs it: its hop, what it selects, and its subscription filters. */
interface RunningSink {
  readonly hop: SinkHop
  readonly selects: (topic: string) => boolean
  readonly filters: readonly string[]
}

/** Refuses two sinks with one name: each has its own spool folder, metrics, and place in the group. */
function checkUniqueNames(configs: readonly SinkConfig[]): void {
  const names = new Set<string>()
  for (const c of configs) {
    if (names.has(c.name))
      throw new ForwarderConfigError(
        `two sinks are named "${c.name}": sink names must be unique (each has its own spool folder and metrics)`,
      )
    names.add(c.name)
  }
}

/** Makes each sink's hop, spool and selection. */
function createSinks(
  configs: readonly SinkConfig[],
  prefix: string,
  dataDir: string,
  log: SinkHopOptions['log'],
): RunningSink[] {
  return configs.map((c) => ({
    hop: createSinkHop(createSink(c, dataDir), {
      spoolDir: join(dataDir, 'spool', c.name),
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
    filters: [...new Set(c.topics.map((e) => selectionFilter(prefix, e)))],
  }))
}

/** What {@link offerToSinks} needs of a sink. */
export interface OfferedSink {
  readonly hop: Pick<SinkHop, 'name' | 'offer'>
  readonly selects: (topic: string) => boolean
}

/**
 * Spools each item for every sink that selects it and that this instance takes now; items no such sink
 * selects belong to another instance of the group, and are counted as `handover` on the inbound hop.
 * A sink's items of every batch of this turn are spooled with one write (sink-commit.ts); a confirming
 * batch's before its handler returns.
 */
export function offerToSinks(
  sinks: readonly OfferedSink[],
  group: Pick<SinkGroup, 'takes'>,
  commits: SinkCommits<ForwardItem>,
  items: readonly ForwardItem[],
  batch: HandleBatch,
): void {
  const taken = new Array<boolean>(items.length).fill(false)
  for (const s of sinks) {
    if (!group.takes(s.hop.name)) continue
    const mine: ForwardItem[] = []
    for (let i = 0; i < items.length; i++) {
      if (!s.selects(items[i]!.topic)) continue
      mine.push(items[i]!)
      taken[i] = true
    }
    if (mine.length > 0) commits.add(s.hop, mine)
  }
  if (batch.confirming) commits.commit()
  let elsewhere = 0
  for (const t of taken) if (!t) elsewhere++
  if (elsewhere > 0) batch.drop('handover', elsewhere)
}

/** Builds the forwarder from its runtime context. */
export function createForwarderService(
  ctx: ServiceContext<typeof ForwarderConfigSchema>,
): ServiceImpl {
  const { config, prefix } = ctx
  const configs = config.sinks.length > 0 ? config.sinks : [DEFAULT_SINK]
  checkUniqueNames(configs)
  const sinks = createSinks(configs, prefix, config.dataDir, ctx.log.child({ component: 'sinks' }))
  for (const s of sinks) ctx.addMetricsSource(s.hop)
  const commits = createSinkCommits<ForwardItem>()
  // Every sink's filters at start: a persistent session's backlog, which arrives right after CONNACK,
  // then finds the hop; the first member list drops the filters of the sinks owned elsewhere.
  const filters = [...new Set(sinks.flatMap((s) => s.filters))]
  const group = createSinkGroup({
    group: ctx.joinGroup(),
    sinks: sinks.map((s) => ({ name: s.hop.name, filters: s.filters })),
    hop: () => inbound,
    initialFilters: filters,
    overlapMs: config.scaleOut.overlapMs,
    settleMs: config.scaleOut.settleMs,
    log: ctx.log.child({ component: 'sink-group' }),
  })
  ctx.reportGroup(() => group.metrics())
  ctx.onStopping(() => group.leave())
  ctx.onShutdown(() => group.close())
  const inbound = ctx.inbound<ForwardItem>({
    name: 'in',
    qos: 1,
    queue: { capacity: 20_000, policy: 'block' },
    filters,
    decode: (topic, payload) => decodeForwardItem(prefix, topic, payload),
    // Paused until the first member list says which sinks are this instance's (sink-group.ts).
    resumeByOwner: true,
    handle: (_key, items, batch) => {
      offerToSinks(sinks, group, commits, items, batch)
    },
  })
  return {
    start: () => {
      for (const s of sinks) s.hop.start()
      return Promise.resolve()
    },
    stop: async () => {
      // The inbound hop has drained: what its last batches left for the turn's end is spooled now.
      commits.commit()
      // Give the sinks a moment to send what is spooled; the rest waits in the spool for the next start.
      await Promise.all(sinks.map((s) => s.hop.flush(2000)))
      await Promise.all(sinks.map((s) => s.hop.stop()))
    },
  }
}
