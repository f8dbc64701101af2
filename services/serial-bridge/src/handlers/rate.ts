/**
 * @module handlers/rate
 * The rate subscription (DESIGN.md §1, §10): `{p}/{device}/_ctl/rate` with `{"hz": N}` from the dashboard
 * or an operator. The bridge passes it on to its source: `R<hz>\n` to the firmware (re-sent after every
 * reconnect), a new rate for a simulated device; a replay has no rate and says so. Only the newest command
 * per device matters, so the hop's small queue drops the oldest.
 */
import { decodeRate, parseTopic, rateFilter } from '@sluice/contract'
import type { InboundHopSpec } from '@sluice/mesh'
import type { BridgeLogger } from '../logger.js'
import type { BridgeSource } from '../sources/source.js'

/** One rate command, with the device it is for. */
export interface RateRequest {
  readonly device: string
  readonly hz: number
}

/**
 * Decodes a rate message into a request (or rejects it with the codec's error).
 *
 * @example
 * ```ts
 * decodeRateRequest('sluice', 'sluice/bench/_ctl/rate', new TextEncoder().encode('{"hz":20}'))
 * // [{ device: 'bench', hz: 20 }]
 * ```
 */
export function decodeRateRequest(
  prefix: string,
  topic: string,
  payload: Uint8Array,
): { ok: true; value: RateRequest[] } | { ok: false; error: Error } {
  const parsed = parseTopic(prefix, topic)
  if (parsed?.kind !== 'rate') return { ok: false, error: new Error(`not a rate topic: ${topic}`) }
  const r = decodeRate(payload)
  if (!r.ok) return r
  return { ok: true, value: [{ device: parsed.device, hz: r.value.hz }] }
}

/** Applies rate requests to the source and logs what became of each. */
export function createRateHandler(
  source: BridgeSource,
  log: BridgeLogger,
): (key: string, requests: RateRequest[]) => void {
  return (_key, requests) => {
    // Several queued commands for one device: only the newest counts.
    const last = requests[requests.length - 1]
    if (last === undefined) return
    const outcome = source.setRate(last.device, last.hz)
    switch (outcome) {
      case 'sent':
        log.info({ device: last.device, hz: last.hz }, `Sent R${last.hz} to ${last.device}`)
        return
      case 'pending':
        log.info(
          { device: last.device, hz: last.hz },
          `${last.device} is not connected: R${last.hz} will be sent when it is back`,
        )
        return
      case 'applied':
        return
      case 'unsupported':
        log.warn(
          { device: last.device, hz: last.hz },
          `A replay cannot change its rate; ignored ${last.hz} Hz`,
        )
        return
      case 'unknown-device':
        log.debug(
          { device: last.device },
          `No device ${last.device} on this bridge; rate command ignored`,
        )
        return
    }
  }
}

/**
 * The rate hop's declaration: QoS 1 (a command should not vanish), a small drop-oldest queue.
 *
 * @example
 * ```ts
 * ctx.inbound(rateHopSpec(ctx.prefix, ['bench'], createRateHandler(source, log)))
 * ```
 */
export function rateHopSpec(
  prefix: string,
  devices: readonly string[],
  handle: (key: string, requests: RateRequest[]) => void,
): InboundHopSpec<RateRequest> {
  return {
    name: 'rate',
    qos: 1,
    queue: { capacity: 64, policy: 'drop-oldest' },
    filters: devices.length > 16 ? [rateFilter(prefix)] : devices.map((d) => rateFilter(prefix, d)),
    decode: (topic, payload) => decodeRateRequest(prefix, topic, payload),
    key: (_topic, r) => r.device,
    seq: () => undefined,
    ingest: () => undefined,
    handle,
  }
}
