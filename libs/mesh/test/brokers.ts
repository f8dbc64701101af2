/**
 * @module test/brokers
 * The brokers the mesh integration suites run against, from testkit: stock Aedes in-process
 * (`startAedes`, not our broker package) and the real Mosquitto (`startMosquitto`, a local binary, so a
 * test can freeze it with SIGSTOP). Mosquitto is skipped when absent, unless `SLUICE_REQUIRE_EXTERNAL=1`,
 * which makes its absence a failure. One suite runs on every broker, as MQTT.js runs one suite on every
 * transport (STYLE.md).
 */
import { KNOWN_PROGRAMS, requireProgram, startAedes, startMosquitto } from '@sluice/testkit'

/** A running broker. */
export interface TestBroker {
  readonly name: string
  readonly url: string
  /** The broker's process id, when it runs as its own process (to freeze it with SIGSTOP). */
  readonly pid?: number
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
    return { name: 'aedes', url: aedes.url, close: () => aedes.stop() }
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
      close: () => m.stop(),
    }
  },
}

/** The brokers to run a suite on. */
export function brokerKinds(): BrokerKind[] {
  return [aedesKind, mosquittoKind]
}
