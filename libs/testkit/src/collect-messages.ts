/**
 * @module collect-messages
 * A subscriber for integration tests: connects with mqtt.js, subscribes, and records every message
 * with its topic, payload and flags, so a test can wait for what it expects and assert on it.
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import { SubscribeRefusedError } from './errors.js'
import { waitFor } from './wait-for.js'

/** One received message. */
export interface CollectedMessage {
  readonly topic: string
  readonly payload: Buffer
  readonly qos: 0 | 1 | 2
  readonly retain: boolean
  /** `Date.now()` when it arrived. */
  readonly receivedAt: number
}

/** Options of {@link collectMessages}. */
export interface CollectOptions {
  /** Subscription QoS (default 0). */
  readonly qos?: 0 | 1 | 2
  /** Extra mqtt.js client options (clientId, protocolVersion, credentials, …). */
  readonly client?: IClientOptions
  /** Connect and subscribe timeout in ms (default 5000). */
  readonly timeout?: number
}

/** A running collector. */
export interface MessageCollector {
  /** Everything received so far, in order. */
  readonly messages: CollectedMessage[]
  readonly client: MqttClient
  /** Payloads parsed as JSON, in order. */
  json<T = unknown>(): T[]
  /** Waits until at least `count` messages (optionally matching `topic`) have arrived. */
  waitForCount(count: number, options?: { timeout?: number; topic?: string }): Promise<void>
  /** Forgets what was received so far. */
  clear(): void
  /** Disconnects. */
  close(): Promise<void>
}

/**
 * Connects to `url`, subscribes to `filter` (one filter or several), and resolves once the broker has
 * granted the subscription.
 *
 * @example
 * ```ts
 * const sub = await collectMessages(broker.url, rawFilter('sluice'), { qos: 1 })
 * await sub.waitForCount(10)
 * expect(sub.messages[0]!.topic).toBe('sluice/dev-1/light/raw')
 * await sub.close()
 * ```
 */
export async function collectMessages(
  url: string,
  filter: string | readonly string[],
  options: CollectOptions = {},
): Promise<MessageCollector> {
  const timeout = options.timeout ?? 5000
  const client = await mqtt.connectAsync(url, {
    reconnectPeriod: 0,
    connectTimeout: timeout,
    ...options.client,
  })
  const messages: CollectedMessage[] = []
  client.on('message', (topic, payload, packet) => {
    messages.push({
      topic,
      payload,
      qos: packet.qos,
      retain: packet.retain,
      receivedAt: Date.now(),
    })
  })
  try {
    const granted = await client.subscribeAsync(typeof filter === 'string' ? filter : [...filter], {
      qos: options.qos ?? 0,
    })
    const refused = granted.filter((g) => g.qos === 128)
    if (refused.length > 0) {
      throw new SubscribeRefusedError(
        `The broker at ${url} refused the subscription to ${refused.map((g) => g.topic).join(', ')}; ` +
          'check its ACL for this client.',
      )
    }
  } catch (err) {
    await client.endAsync(true)
    throw err
  }
  return {
    messages,
    client,
    json<T>() {
      return messages.map((m) => JSON.parse(m.payload.toString('utf8')) as T)
    },
    async waitForCount(count, o = {}) {
      const topic = o.topic
      await waitFor(
        () =>
          (topic === undefined ? messages : messages.filter((m) => m.topic === topic)).length >=
          count,
        {
          timeout: o.timeout ?? 5000,
          message: `${count} message(s)${topic === undefined ? '' : ` on ${topic}`}`,
        },
      )
    },
    clear() {
      messages.length = 0
    },
    async close() {
      await client.endAsync()
    },
  }
}
