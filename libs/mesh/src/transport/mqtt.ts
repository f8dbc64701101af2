/**
 * @module transport/mqtt
 * The MQTT transport, on mqtt.js 5. Three things matter beyond the plain client:
 * - **Flow control**: every incoming PUBLISH goes through our `handleMessage` override, and mqtt.js sends
 *   the PUBACK and reads the next packet only when we call its callback; withholding it is the `block`
 *   policy (DESIGN.md §5). Note that it pauses the whole connection, every subscription on it.
 * - **Bounded offline queue**: mqtt.js queues QoS 0 publishes without limit while offline by default; we set
 *   `queueQoSZero: false`, and hops hand messages over only while connected, keeping what waits in their
 *   own bounded queues where drops are counted.
 * - **Sessions and will**: the client id is stable (`sluice-<service>-<instance>`); `clean: false` when a
 *   persistent session is asked for, so QoS ≥ 1 messages wait at the broker across a restart; the last
 *   will is whatever the caller sets (the retained `offline` status).
 */
import { Socket } from 'node:net'
import mqtt, { MqttClient, type IClientOptions, type ISubscriptionMap } from 'mqtt'
import { MeshConnectError } from '../errors.js'
import { silentLogger, type MeshLogger } from '../logger.js'
import { createKeepaliveTimer } from './keepalive-timer.js'
import { localStreamBuilder } from './local-brokers.js'
import { createMqttFlowControl } from './mqtt-flow-control.js'
import type { MessageHandler, PublishOptions, Qos, Transport, TransportEvent } from './transport.js'
import { sendPacketsPromptly } from './write-once-per-turn.js'

/** Options for {@link createMqttTransport}. */
export interface MqttTransportOptions {
  /** Broker URL, e.g. `mqtt://127.0.0.1:1883`. */
  readonly url: string
  readonly clientId: string
  readonly username?: string
  readonly password?: string
  /** `false` for a persistent session (QoS ≥ 1 survives restarts). Default true. */
  readonly clean?: boolean
  /** Last will: published by the broker if the connection drops without DISCONNECT. */
  readonly will?: {
    readonly topic: string
    readonly payload: string
    readonly qos: Qos
    readonly retain: boolean
  }
  /** Keepalive in seconds. Default 30. */
  readonly keepalive?: number
  /** Delay between reconnect attempts (ms). Default 1000. */
  readonly reconnectPeriod?: number
  /** How long the first connection may take (ms). Default 10 000. */
  readonly connectTimeout?: number
  readonly log?: MeshLogger
}

/** The mqtt.js options for `options`: no QoS 0 offline queue, resubscribe, connect on demand. */
function clientOptions(options: MqttTransportOptions): IClientOptions {
  const opts: IClientOptions = {
    clientId: options.clientId,
    clean: options.clean ?? true,
    keepalive: options.keepalive ?? 30,
    reconnectPeriod: options.reconnectPeriod ?? 1000,
    connectTimeout: options.connectTimeout ?? 10_000,
    queueQoSZero: false,
    resubscribe: true,
    manualConnect: true,
    // mqtt.js rearms its keepalive on every acknowledgement it receives; this timer restarts one
    // interval instead of making a new one each time (4 000 a second at 250 000 samples/s, issue 16).
    timerVariant: createKeepaliveTimer(),
  }
  // mqtt.js's own debug log (`DEBUG=mqttjs*`) is kept only when `DEBUG` is set: it is called several
  // times per packet, its arguments built, even while it prints nothing (0.5 % of the one process's CPU
  // at 250 000 samples/s, issue 16).
  if ((process.env.DEBUG ?? '') === '') opts.log = () => undefined
  if (options.username !== undefined) opts.username = options.username
  if (options.password !== undefined) opts.password = options.password
  if (options.will !== undefined) {
    opts.will = {
      topic: options.will.topic,
      payload: Buffer.from(options.will.payload),
      qos: options.will.qos,
      retain: options.will.retain,
    }
  }
  return opts
}

/**
 * The mqtt.js client for `options`: through an in-memory stream when a broker of this process serves the
 * URL (`transport/local-brokers.ts`), otherwise as mqtt.js connects to any URL.
 */
function openClient(options: MqttTransportOptions): MqttClient {
  const local = localStreamBuilder(options.url)
  if (local === undefined) return mqtt.connect(options.url, clientOptions(options))
  // As mqtt.connect does: credentials in the URL, unless given as options.
  const u = new URL(options.url)
  const fromUrl =
    u.username === ''
      ? {}
      : { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) }
  return new MqttClient(local, { ...fromUrl, ...clientOptions(options), protocol: 'mqtt' })
}

/** Connects `c`; resolves on the first connection, or ends it and rejects on the first error. */
function connectFirst(c: MqttClient, url: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onConnect = (): void => {
      c.off('error', onError)
      resolve()
    }
    const onError = (err: Error): void => {
      c.off('connect', onConnect)
      c.end(true)
      reject(
        new MeshConnectError(
          `Cannot connect to the broker at ${url}: ${err.message}. Check --broker, and that the broker runs and accepts this client's credentials.`,
          { cause: err },
        ),
      )
    }
    c.once('connect', onConnect)
    c.once('error', onError)
    c.connect()
  })
}

/** Ends `c`: gracefully (waiting a bounded time for unacknowledged publishes) or as a crash would. */
async function endClient(
  c: MqttClient,
  closeOptions: { readonly graceful?: boolean; readonly timeoutMs?: number },
): Promise<void> {
  if (closeOptions.graceful ?? true) {
    // mqtt.js' graceful end waits for every unacknowledged publish, forever if the broker never
    // answers: wait a bounded time, then end by force.
    if (Object.keys(c.outgoing).length > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, closeOptions.timeoutMs ?? 2000)
        c.once('outgoingEmpty', () => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
    await c.endAsync(Object.keys(c.outgoing).length > 0)
  } else {
    // Drop the socket without DISCONNECT, as a crash would, so the broker fires the will.
    c.stream.destroy()
    await c.endAsync(true)
  }
}

/**
 * Creates an MQTT transport (not yet connected).
 *
 * @example
 * ```ts
 * const t = createMqttTransport({ url: 'mqtt://127.0.0.1:1883', clientId: 'windowing-w1' })
 * await t.connect()
 * t.onMessage((msg, ack) => { console.log(msg.topic); ack() })
 * await t.subscribe('sluice/+/+/raw', 1)
 * ```
 */
export function createMqttTransport(options: MqttTransportOptions): Transport {
  const log = options.log ?? silentLogger
  const listeners = new Set<(e: TransportEvent) => void>()
  let handler: MessageHandler = (_m, ack) => ack()
  let client: MqttClient | undefined
  // The filters held, by QoS: subscribed again after a reconnect to a session the broker kept.
  const held = new Map<string, Qos>()
  const flow = createMqttFlowControl(
    () => client,
    () => handler,
  )

  function emit(e: TransportEvent): void {
    for (const l of listeners) l(e)
  }

  function requireClient(): MqttClient {
    if (client === undefined)
      throw new MeshConnectError('The MQTT transport is not connected: call connect() first.')
    return client
  }

  /**
   * Subscribes every held filter again, for its retained messages, 500 filters a packet at most
   * (`resubscribe`: mqtt.js sends nothing for a filter it holds already, unless told to).
   */
  function resubscribe(c: MqttClient): void {
    const filters = [...held]
    for (let i = 0; i < filters.length; i += 500) {
      const part = filters.slice(i, i + 500)
      const map = Object.fromEntries(part.map(([f, qos]) => [f, { qos }]))
      c.subscribeAsync({ ...map, resubscribe: true } as ISubscriptionMap).catch((err: unknown) =>
        log.warn({ err, filters: part.length }, 'could not subscribe again after a reconnect'),
      )
    }
  }

  return {
    clientId: options.clientId,
    get connected() {
      return client?.connected ?? false
    },
    connect(): Promise<void> {
      const c = openClient(options)
      client = c
      c.handleMessage = flow.handleMessage
      let first = true
      c.on('connect', (connack) => {
        // Each connection's socket is set up as every MQTT socket is; a WebSocket stream is left alone.
        if (c.stream instanceof Socket) sendPacketsPromptly(c.stream)
        flow.connected()
        log.debug({ clientId: options.clientId }, 'connected')
        emit({ type: 'connect' })
        // mqtt.js subscribes again after a reconnect only when the session is new; on a kept session
        // the broker sends retained messages only on a SUBSCRIBE, so ask for them (the subscriptions
        // stay as they are, [MQTT-3.8.4-3]).
        if (!first && connack.sessionPresent) resubscribe(c)
        first = false
      })
      c.on('close', () => emit({ type: 'disconnect' }))
      c.on('offline', () => log.warn({ url: options.url }, 'broker offline; reconnecting'))
      c.on('error', (error) => {
        log.warn({ err: error }, 'mqtt error')
        emit({ type: 'error', error })
      })
      return connectFirst(c, options.url)
    },
    async subscribe(filter: string | readonly string[], qos: Qos): Promise<void> {
      const filters = typeof filter === 'string' ? [filter] : [...filter]
      if (filters.length === 0) return
      const granted = await requireClient().subscribeAsync(filters, { qos })
      // [MQTT-3.9.3] 0x80 in the SUBACK: this filter was refused.
      const refused = granted.filter((g) => g.qos === 128).map((g) => g.topic)
      if (refused.length > 0) {
        throw new MeshConnectError(
          `The broker refused the subscription to ${refused.join(', ')} (check its ACL).`,
        )
      }
      for (const f of filters) held.set(f, qos)
    },
    async unsubscribe(filter: string | readonly string[]): Promise<void> {
      const filters = typeof filter === 'string' ? [filter] : [...filter]
      for (const f of filters) held.delete(f)
      if (filters.length > 0) await requireClient().unsubscribeAsync(filters)
    },
    publish(topic: string, payload: string | Uint8Array, opts: PublishOptions): Promise<void> {
      // One promise per message, settled by mqtt.js's callback (an async wrapper around publishAsync
      // made three, each one more object and microtask per message).
      return new Promise<void>((resolve, reject) => {
        requireClient().publish(
          topic,
          typeof payload === 'string'
            ? payload
            : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength),
          { qos: opts.qos, retain: opts.retain ?? false },
          (err) => {
            if (err === undefined || err === null) resolve()
            else reject(err)
          },
        )
      })
    },
    onMessage(h: MessageHandler): void {
      handler = h
    },
    onEvent(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    async close(closeOptions = {}): Promise<void> {
      const c = client
      if (c === undefined) return
      await endClient(c, closeOptions)
    },
  }
}
