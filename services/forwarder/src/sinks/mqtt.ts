/**
 * @module sinks/mqtt
 * The cloud MQTT sink: republishes selected messages on another broker (a hosted one, over TLS, with
 * credentials), with the topic optionally prefixed. A batch is sent when every message in it is
 * acknowledged at the chosen QoS; while the remote broker is unreachable, sends fail fast and the spool
 * holds the data — mqtt.js' own unbounded offline queue is never used.
 */
import { readFileSync } from 'node:fs'
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
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
}

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
    client.on('error', () => undefined) // surfaced through failed sends; mqtt.js reconnects
    return client
  }
  return {
    name: o.name,
    type: 'mqtt',
    encode: (item: ForwardItem) => [JSON.stringify({ topic: item.topic, payload: item.payload })],
    async send(records) {
      const c = connectClient()
      if (!c.connected)
        throw new SinkSendError(`cloud broker ${o.url} is not connected`, true)
      await Promise.all(
        records.map((r) => {
          const { topic, payload } = JSON.parse(r) as { topic: string; payload: unknown }
          const t = o.topicPrefix ? `${o.topicPrefix.replace(/\/+$/, '')}/${topic}` : topic
          return c.publishAsync(t, JSON.stringify(payload), { qos: o.qos }).catch((err: unknown) => {
            throw new SinkSendError(`cloud broker ${o.url}: ${(err as Error).message}`, true, undefined, undefined, {
              cause: err,
            })
          })
        }),
      )
    },
    close: async () => {
      await client?.endAsync()
    },
  }
}
