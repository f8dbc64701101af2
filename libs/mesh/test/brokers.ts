/**
 * @module test/brokers
 * The brokers the mesh integration suites run against, from testkit: stock Aedes in-process
 * (`startAedes`, not our broker package) and the real Mosquitto (`startMosquitto`, a local binary, so a
 * test can freeze it with SIGSTOP). Mosquitto is skipped when absent, unless `SLUICE_REQUIRE_EXTERNAL=1`,
 * which makes its absence a failure. One suite runs on every broker, as MQTT.js runs one suite on every
 * transport (STYLE.md).
 */
import {
  KNOWN_PROGRAMS,
  requireProgram,
  startAedes,
  startMosquitto,
  startNatsServer,
} from '@sluice/testkit'
import mqtt from 'mqtt'
import { createNatsTransport } from '../src/internal.js'

/** What a suite does with a broker besides running services on it: publish, watch, and end. */
export interface TestClient {
  publishAsync(
    topic: string,
    payload: string,
    options: { readonly qos: 0 | 1; readonly retain?: boolean },
  ): Promise<void>
  subscribeAsync(filter: string, options: { readonly qos: 0 | 1 }): Promise<void>
  onMessage(listener: (topic: string, payload: string, retain: boolean) => void): void
  endAsync(): Promise<void>
}

/** A plain MQTT client as a {@link TestClient}. */
async function mqttClient(url: string): Promise<TestClient> {
  const c = await mqtt.connectAsync(url, { reconnectPeriod: 0 })
  return {
    publishAsync: async (topic, payload, options) => {
      await c.publishAsync(topic, payload, { qos: options.qos, retain: options.retain ?? false })
    },
    subscribeAsync: async (filter, options) => {
      await c.subscribeAsync(filter, options)
    },
    onMessage: (l) => c.on('message', (t, p, packet) => l(t, p.toString(), packet.retain)),
    endAsync: () => c.endAsync(true),
  }
}

/** A running broker. */
export interface TestBroker {
  readonly name: string
  readonly url: string
  /** The broker's process id, when it runs as its own process (to freeze it with SIGSTOP). */
  readonly pid?: number
  /** Overrides every service on this broker needs (e.g. a short lease on NATS). */
  readonly overrides?: Record<string, unknown>
  /** A client of this broker, for topics under `prefix`. */
  client(prefix: string): Promise<TestClient>
  close(): Promise<void>
}

/** How to start one kind of broker. */
export interface BrokerKind {
  readonly name: string
  /** Why it is unavailable, or undefined when it can run. */
  readonly unavailable: string | undefined
  start(): Promise<TestBroker>
}

export const aedesKind: BrokerKind = {
  name: 'aedes',
  unavailable: undefined,
  async start() {
    const aedes = await startAedes()
    return {
      name: 'aedes',
      url: aedes.url,
      client: () => mqttClient(aedes.url),
      close: () => aedes.stop(),
    }
  },
}

// A local binary only, not testkit's Docker fallback: the shutdown suite freezes the broker's process.
// Throws under SLUICE_REQUIRE_EXTERNAL=1 when it is missing.
const mosquitto = requireProgram('mosquitto', KNOWN_PROGRAMS['mosquitto']?.candidates, {
  log: null,
})

export const mosquittoKind: BrokerKind = {
  name: 'mosquitto',
  unavailable: mosquitto.available ? undefined : mosquitto.skip,
  async start() {
    const m = await startMosquitto({
      ...(mosquitto.path === undefined ? {} : { command: mosquitto.path }),
      config: { max_queued_messages: 100_000 },
    })
    return {
      name: 'mosquitto',
      url: m.url,
      ...(m.pid === undefined ? {} : { pid: m.pid }),
      client: () => mqttClient(m.url),
      close: () => m.stop(),
    }
  },
}

const natsServer = requireProgram('nats-server', KNOWN_PROGRAMS['nats-server']?.candidates, {
  log: null,
})

/** Each suite's prefix has its own streams: small ones, so a server's JetStream storage holds them all. */
const SUITE_STREAM_BYTES = 4 * 1024 * 1024

/** A client of a NATS server through our own transport (its view of retained messages and wills). */
async function natsClient(url: string, prefix: string): Promise<TestClient> {
  const t = createNatsTransport({
    url,
    prefix,
    clientId: `test-${process.pid}-${Math.random()}`,
    streams: { maxBytes: SUITE_STREAM_BYTES },
  })
  await t.connect()
  const listeners: ((topic: string, payload: string, retain: boolean) => void)[] = []
  t.onMessage((m, ack) => {
    for (const l of listeners) l(m.topic, Buffer.from(m.payload).toString(), m.retain)
    ack()
  })
  return {
    publishAsync: (topic, payload, options) =>
      t.publish(topic, payload, { qos: options.qos, retain: options.retain ?? false }),
    subscribeAsync: (filter, options) => t.subscribe(filter, options.qos),
    onMessage: (l) => listeners.push(l),
    endAsync: () => t.close(),
  }
}

/** NATS with JetStream, through the NATS transport (`--broker nats://…`); wills after a 1 s lease. */
export const natsKind: BrokerKind = {
  name: 'nats',
  unavailable: natsServer.available ? undefined : natsServer.skip,
  async start() {
    const n = await startNatsServer({
      ...(natsServer.path === undefined ? {} : { command: natsServer.path }),
    })
    return {
      name: 'nats',
      url: n.url,
      ...(n.pid === undefined ? {} : { pid: n.pid }),
      overrides: { nats: { leaseMs: 1000, stream: { maxBytes: SUITE_STREAM_BYTES } } },
      client: (prefix) => natsClient(n.url, prefix),
      close: () => n.stop(),
    }
  },
}

/** The brokers to run a suite on; `nats` adds NATS JetStream to the MQTT brokers. */
export function brokerKinds(options: { readonly nats?: boolean } = {}): BrokerKind[] {
  return options.nats === true ? [aedesKind, mosquittoKind, natsKind] : [aedesKind, mosquittoKind]
}
