/**
 * @module bench/lib/group-probe
 * The scale-out benchmark's observer (issue 13): one plain MQTT client that keeps the latest metrics of
 * every instance of one service (not one per service, as `probe.ts` does), their retained statuses, and
 * counts the handover messages the instances send each other (`{p}/_sys/{service}/+/handover/+`) with
 * their payload bytes, so the state moved by a rebalance is measured on the wire.
 */
import mqtt from 'mqtt'
import type { GroupMetrics } from '@sluice/contract'
import type { HopSnapshot } from './probe.js'

/** One instance's metrics message (the fields used here). */
export interface InstanceMetrics {
  readonly t: number
  readonly hops: Readonly<Record<string, HopSnapshot>>
  readonly group?: GroupMetrics
  /** When the probe received it (ms, `Date.now()`). */
  readonly at: number
}

/** Handover traffic seen since the last {@link GroupProbe.resetHandovers}. */
export interface HandoverTraffic {
  messages: number
  bytes: number
  largest: number
  first?: number
  last?: number
}

/** A running group probe. */
export interface GroupProbe {
  /** Latest metrics per instance. */
  readonly metrics: ReadonlyMap<string, InstanceMetrics>
  /** When each instance's retained status last said `online` (ms, as received). */
  readonly onlineAt: ReadonlyMap<string, number>
  readonly handovers: HandoverTraffic
  resetHandovers(): void
  /** Polls `cond` every 20 ms; resolves with the time it held, rejects after `timeoutMs`. */
  waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<number>
  close(): Promise<void>
}

/** Connects a probe for `service`'s instances on `url`. */
export async function startGroupProbe(
  url: string,
  service: string,
  prefix = 'sluice',
): Promise<GroupProbe> {
  const client = await mqtt.connectAsync(url, {
    clientId: `bench-group-probe-${process.pid}`,
    reconnectPeriod: 200,
  })
  const metrics = new Map<string, InstanceMetrics>()
  const onlineAt = new Map<string, number>()
  const handovers: HandoverTraffic = { messages: 0, bytes: 0, largest: 0 }
  client.on('message', (topic, payload) => {
    const at = Date.now()
    const parts = topic.split('/')
    const instance = parts[3] ?? ''
    const kind = parts[4]
    if (kind === 'metrics') {
      metrics.set(instance, { ...(JSON.parse(payload.toString()) as InstanceMetrics), at })
    } else if (kind === 'status' && payload.length > 0) {
      const s = JSON.parse(payload.toString()) as { state?: string }
      if (s.state === 'online') onlineAt.set(instance, at)
    } else if (kind === 'handover') {
      handovers.messages++
      handovers.bytes += payload.length
      handovers.largest = Math.max(handovers.largest, payload.length)
      handovers.first ??= at
      handovers.last = at
    }
  })
  await client.subscribeAsync(
    [
      `${prefix}/_sys/${service}/+/metrics`,
      `${prefix}/_sys/${service}/+/status`,
      `${prefix}/_sys/${service}/+/handover/+`,
    ],
    { qos: 1 },
  )
  return {
    metrics,
    onlineAt,
    handovers,
    resetHandovers() {
      handovers.messages = 0
      handovers.bytes = 0
      handovers.largest = 0
      delete handovers.first
      delete handovers.last
    },
    async waitFor(cond, timeoutMs, what) {
      const deadline = Date.now() + timeoutMs
      while (!cond()) {
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`)
        await new Promise((r) => setTimeout(r, 20))
      }
      return Date.now()
    },
    async close() {
      await client.endAsync()
    },
  }
}
