/**
 * @module sinks/mqtt
 * The cloud MQTT sink: republishes selected messages on another broker (a hosted one, over TLS, with
 * credentials), with the topic optionally prefixed. A batch is sent when every message in it is
 * acknowledged at the chosen QoS; while the remote broker is unreachable, sends fail fast and the spool
 * holds the data — mqtt.js' own unbounded offline queue is never used.
 */
import { readFileSync } from 'node:fs'
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import { Type } from '@sinclair/typebox'
import { defineSink } from './define-sink.js'
import { SinkSendError, type ForwardItem, type Sink } from './sink.js'

/** Cloud MQTT sink settings. */
export interface MqttSinkOptions {
  readonly name: string
  readonly url: string
  readonly username?: string
  readonly password?: string
  readonly clientId?: string
  readonly qos: 0 | 1 | 2
  readonly topicPrefix?: string
  readonly caFile?: string
  readonly certFile?: string
  readonly keyFile?: string
  readonly rejectUnauthorized: boolean
  /** Longest wait for a batch's acknowledgements (and for a first connection), ms. Default 10 000. */
  readonly timeoutMs?: number
}

/**
 * CONNACK codes that mean "your credentials or identity are refused": v3.1.1 4 and 5 [MQTT-3.2.2.3],
 * v5 0x86 bad user name or password, 0x87 not authorized, 0x85 client identifier not valid, 0x8C bad
 * authentication method [MQTT-3.2.2.2].
 */
const REFUSED = new Set([4, 5, 0x85, 0x86, 0x87, 0x8c])

/** TLS verification failures (Node's `err.code`): retrying cannot fix them, the CA or the host name can. */
const TLS_REFUSED = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
])

/** Creates a cloud MQTT sink (connects lazily, reconnects by itself). */
export function createMqttSink(o: MqttSinkOptions): Sink {
  let client: MqttClient | undefined
  const connectClient = (): MqttClient => {
    if (client) return client
    const opts: IClientOptions = {
      reconnectPeriod: 2000,
      connectTimeout: 10_000,
      queueQoSZero: false,
      rejectUnauthorized: o.rejectUnauthorized,
      ...(o.clientId === undefined ? {} : { clientId: o.clientId }),
      ...(o.username === undefined ? {} : { username: o.username }),
      ...(o.password === undefined ? {} : { password: o.password }),
      ...(o.caFile === undefined ? {} : { ca: readFileSync(o.caFile) }),
      ...(o.certFile === undefined ? {} : { cert: readFileSync(o.certFile) }),
      ...(o.keyFile === undefined ? {} : { key: readFileSync(o.keyFile) }),
    }
    client = mqtt.connect(o.url, opts)
    // Errors surface through failed sends; mqtt.js reconnects by itself.
    client.on('error', (err) => {
      lastError = err
    })
    client.on('connect', () => {
      lastError = undefined
    })
    return client
  }
  let lastError: (Error & { code?: number | string }) | undefined
  const timeoutMs = o.timeoutMs ?? 10_000
  const waitConnected = (c: MqttClient, ms: number): Promise<boolean> =>
    c.connected
      ? Promise.resolve(true)
      : new Promise((resolve) => {
          const done = (ok: boolean): void => {
            clearTimeout(t)
            c.off('connect', onConnect)
            c.off('error', onError)
            resolve(ok)
          }
          const onConnect = (): void => {
            done(true)
          }
          // A refused connection or a bad certificate is known at once: no need to wait out the timeout.
          const onError = (): void => {
            done(false)
          }
          const t = setTimeout(() => {
            done(false)
          }, ms)
          c.on('connect', onConnect)
          c.on('error', onError)
        })
  return {
    name: o.name,
    type: 'mqtt',
    encode: (item: ForwardItem) => [JSON.stringify({ topic: item.topic, payload: item.payload })],
    async send(records) {
      const c = connectClient()
      // A first send waits for the connection; later ones fail fast while the broker is away.
      if (!(await waitConnected(c, Math.min(timeoutMs, 3000)))) {
        const code = lastError?.code
        if (typeof code === 'number' && REFUSED.has(code))
          throw new SinkSendError(
            `cloud broker ${o.url} refused the connection (${lastError?.message ?? `code ${code}`}): check the username, password and client id`,
            false,
          )
        if (typeof code === 'string' && TLS_REFUSED.has(code))
          throw new SinkSendError(
            `cloud broker ${o.url}: its TLS certificate was not accepted (${lastError?.message ?? code}): check caFile (the CA that signed the broker's certificate) and that the URL's host name is in the certificate`,
            false,
          )
        throw new SinkSendError(
          `cloud broker ${o.url} is not connected${lastError === undefined ? '' : ` (${lastError.message})`}`,
          true,
        )
      }
      let timer: NodeJS.Timeout | undefined
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          reject(
            new SinkSendError(
              `cloud broker ${o.url} did not acknowledge a batch within ${timeoutMs} ms`,
              true,
            ),
          )
        }, timeoutMs)
      })
      const sent = Promise.all(
        records.map((r) => {
          const { topic, payload } = JSON.parse(r) as { topic: string; payload: unknown }
          const t = o.topicPrefix ? `${o.topicPrefix.replace(/\/+$/, '')}/${topic}` : topic
          return c
            .publishAsync(t, JSON.stringify(payload), { qos: o.qos })
            .catch((err: unknown) => {
              throw new SinkSendError(
                `cloud broker ${o.url}: ${(err as Error).message}`,
                true,
                undefined,
                undefined,
                {
                  cause: err,
                },
              )
            })
        }),
      )
      sent.catch(() => undefined) // a late failure after the timeout is already reported
      try {
        await Promise.race([sent, timeout])
      } finally {
        clearTimeout(timer)
      }
    },
    close: async () => {
      // Forced: the sender has stopped, so nothing is in flight that we wait for, and an unreachable
      // broker must not hold up shutdown.
      await client?.endAsync(true)
    },
  }
}

/** The cloud MQTT sink's declaration: its settings and its factory. */
export const mqttSinkType = defineSink({
  type: 'mqtt',
  summary: 'A cloud MQTT broker (TLS, credentials): republishes each message, optionally prefixed.',
  settings: {
    url: Type.String({ pattern: '^(mqtts?|wss?)://', description: 'The remote broker.' }),
    username: Type.Optional(Type.String({ description: 'Remote broker user name.' })),
    password: Type.Optional(Type.String({ description: 'Remote broker password.' })),
    clientId: Type.Optional(Type.String({ description: 'MQTT client id (default: random).' })),
    qos: Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2)], {
      default: 1,
      description: 'QoS of the republished messages.',
    }),
    topicPrefix: Type.Optional(Type.String({ description: 'Prepended to every forwarded topic.' })),
    caFile: Type.Optional(Type.String({ description: "CA that signed the broker's certificate." })),
    certFile: Type.Optional(Type.String({ description: 'Client certificate (mutual TLS).' })),
    keyFile: Type.Optional(Type.String({ description: 'Client key (mutual TLS).' })),
    rejectUnauthorized: Type.Boolean({
      default: true,
      description: "Verify the broker's TLS certificate.",
    }),
    timeoutMs: Type.Integer({
      minimum: 1,
      default: 10_000,
      description: 'Longest wait for a batch to be acknowledged.',
    }),
  },
  create: (c) => createMqttSink(c),
})
