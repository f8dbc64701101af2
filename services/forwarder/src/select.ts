/**
 * @module select
 * Which messages a sink takes: kind keywords (`window`, `anomaly`, …) or MQTT filters, turned into the
 * subscription filters and a matcher. Pure.
 */
import {
  anomalyFilter,
  createTopicMatcher,
  decodeAnomaly,
  decodeMetrics,
  decodeRawSamples,
  decodeStatus,
  decodeWindows,
  metricsFilter,
  parseTopic,
  rawFilter,
  statusFilter,
  windowFilter,
} from '@sluice/contract'
import type { ForwardItem } from './sinks/sink.js'

const KINDS = ['raw', 'window', 'anomaly', 'metrics', 'status'] as const
type Kind = (typeof KINDS)[number]
const isKind = (s: string): s is Kind => (KINDS as readonly string[]).includes(s)

/** The MQTT filter for one selection entry. */
export function selectionFilter(prefix: string, entry: string): string {
  if (!isKind(entry)) return entry
  switch (entry) {
    case 'raw':
      return rawFilter(prefix)
    case 'window':
      return windowFilter(prefix)
    case 'anomaly':
      return anomalyFilter(prefix)
    case 'metrics':
      return metricsFilter(prefix)
    case 'status':
      return statusFilter(prefix)
  }
}

/** A matcher for a sink's selection. */
export function createSelector(
  prefix: string,
  entries: readonly string[],
): (topic: string) => boolean {
  return createTopicMatcher(entries.map((e) => selectionFilter(prefix, e)))
}

/**
 * Decodes one message into a forward item by its topic; `{ ok: false }` for a topic we do not know or a
 * payload that fails its schema (counted as rejected by the hop).
 */
export function decodeForwardItem(
  prefix: string,
  topic: string,
  payload: Uint8Array,
): { ok: true; value: ForwardItem[] } | { ok: false; error: Error } {
  const t = parseTopic(prefix, topic)
  if (t === null) return { ok: false, error: new Error(`not a Sluice topic: ${topic}`) }
  const fail = (e: { message: string } | Error): { ok: false; error: Error } => ({
    ok: false,
    error: e instanceof Error ? e : new Error(e.message),
  })
  switch (t.kind) {
    case 'raw': {
      const r = decodeRawSamples(payload)
      if (!r.ok) return fail(r.error)
      return {
        ok: true,
        value: r.value.map((s) => ({
          kind: 'raw',
          topic,
          device: t.device,
          channel: t.channel,
          payload: s,
        })),
      }
    }
    case 'window': {
      const r = decodeWindows(payload)
      if (!r.ok) return fail(r.error)
      const { device, channel, name: window } = t
      return {
        ok: true,
        value: r.value.map((agg) => ({
          kind: 'window',
          topic,
          device,
          channel,
          window,
          payload: agg,
        })),
      }
    }
    case 'anomaly': {
      const r = decodeAnomaly(payload)
      return r.ok
        ? {
            ok: true,
            value: [
              { kind: 'anomaly', topic, device: t.device, channel: t.channel, payload: r.value },
            ],
          }
        : fail(r.error)
    }
    case 'metrics': {
      const r = decodeMetrics(payload)
      return r.ok
        ? {
            ok: true,
            value: [
              {
                kind: 'metrics',
                topic,
                service: t.service,
                instance: t.instance,
                payload: r.value,
              },
            ],
          }
        : fail(r.error)
    }
    case 'status': {
      const r = decodeStatus(payload)
      return r.ok
        ? {
            ok: true,
            value: [
              { kind: 'status', topic, service: t.service, instance: t.instance, payload: r.value },
            ],
          }
        : fail(r.error)
    }
    default:
      return fail(new Error(`the forwarder does not take ${t.kind} topics: ${topic}`))
  }
}
