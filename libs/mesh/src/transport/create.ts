/**
 * @module transport/create
 * The one place a broker URL picks its transport: `nats://` and `tls://` (one or several seeds) are NATS
 * JetStream, anything else MQTT. Services (`startService`) and the CLI's own clients (`sluice health`)
 * connect through it.
 */
import type { MeshLogger } from '../logger.js'
import { createMqttTransport } from './mqtt.js'
import { isNatsUrl, type NatsAuth } from './nats/connection.js'
import { createNatsTransport, type NatsTransportOptions } from './nats/nats.js'
import type { Transport } from './transport.js'

/** Options of {@link createTransport}. */
export interface TransportOptions {
  readonly url: string
  readonly clientId: string
  /** The topic prefix (NATS names its streams and retained bucket after it). */
  readonly prefix: string
  readonly username?: string
  readonly password?: string
  /** `false` for a persistent session (durable consumers on NATS). Default true. */
  readonly clean?: boolean
  /** The last will (retained, QoS 1): a status topic and its `offline` payload. */
  readonly will?: { readonly topic: string; readonly payload: string }
  /** NATS only: token, TLS files, lease, consumer and stream limits. */
  readonly nats?: NatsAuth & Pick<NatsTransportOptions, 'leaseMs' | 'maxAckPending' | 'streams'>
  /** MQTT only: how long the first connection may take (ms). */
  readonly connectTimeout?: number
  /** MQTT only: delay between reconnect attempts (ms); 0 = none. */
  readonly reconnectPeriod?: number
  readonly log?: MeshLogger
}

/**
 * A transport for `options.url`, not yet connected.
 *
 * @example
 * ```ts
 * const t = createTransport({ url: 'nats://127.0.0.1:4222', clientId: 'sluice-health-1', prefix: 'sluice' })
 * await t.connect()
 * ```
 */
export function createTransport(options: TransportOptions): Transport {
  const credentials = {
    ...(options.username !== undefined ? { username: options.username } : {}),
    ...(options.password !== undefined ? { password: options.password } : {}),
    ...(options.log !== undefined ? { log: options.log } : {}),
  }
  const clean = options.clean ?? true
  if (isNatsUrl(options.url)) {
    return createNatsTransport({
      url: options.url,
      clientId: options.clientId,
      prefix: options.prefix,
      clean,
      ...(options.will !== undefined ? { will: options.will } : {}),
      ...options.nats,
      ...credentials,
    })
  }
  return createMqttTransport({
    url: options.url,
    clientId: options.clientId,
    clean,
    ...(options.will !== undefined ? { will: { ...options.will, qos: 1, retain: true } } : {}),
    ...(options.connectTimeout !== undefined ? { connectTimeout: options.connectTimeout } : {}),
    ...(options.reconnectPeriod !== undefined ? { reconnectPeriod: options.reconnectPeriod } : {}),
    ...credentials,
  })
}
