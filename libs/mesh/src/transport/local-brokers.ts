/**
 * @module transport/local-brokers
 * Brokers running in this very process (`sluice up`'s default: the broker and every service in one Node
 * process, issue 16), which a service's MQTT client reaches through an in-memory stream pair instead of a
 * loopback socket. Nothing else changes: the client still speaks MQTT to the broker, which still sees a
 * connection from loopback and applies the same login, ACL, subscriber queue and will; only the kernel's
 * TCP stack, its syscalls and libuv's socket callbacks are left out. Measured in `bench/mesh/latency.ts`
 * and `bench/footprint/footprint.ts`.
 *
 * A broker registers its MQTT port here only when asked to (`startBroker({ inProcessClients: true })`); a
 * client uses it only for a plain `mqtt://` URL on a loopback host and that port. Between a broker's stop
 * and its restart, the client falls back to TCP, so it reconnects as it would to any broker.
 */
import { connect as tcpConnect } from 'node:net'
import type { Duplex } from 'node:stream'

/** Opens one in-memory connection to a broker of this process; returns the client's end. */
export type LocalConnect = () => Duplex

const brokers = new Map<number, LocalConnect>()

// `URL.hostname` keeps an IPv6 address in brackets.
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]'])

/**
 * Registers a broker of this process under its MQTT port; returns the function that unregisters it.
 *
 * @example
 * ```ts
 * const unregister = registerLocalBroker(1883, () => connectInProcess())
 * // … at shutdown, before the broker closes:
 * unregister()
 * ```
 */
export function registerLocalBroker(port: number, connect: LocalConnect): () => void {
  brokers.set(port, connect)
  return () => {
    if (brokers.get(port) === connect) brokers.delete(port)
  }
}

/** Host and port of a plain `mqtt://` URL on a loopback host, or undefined for any other URL. */
function loopbackMqtt(url: string): { host: string; port: number } | undefined {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return undefined
  }
  if (u.protocol !== 'mqtt:' || !LOOPBACK.has(u.hostname)) return undefined
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port: u.port === '' ? 1883 : Number(u.port) }
}

/**
 * A stream builder for an mqtt.js client to `url` when a broker of this process serves it (else
 * undefined: connect as usual). Each call opens a new connection: in memory while the broker is
 * registered, over TCP (Nagle off) while it is not, e.g. between a crash and its restart.
 */
export function localStreamBuilder(url: string): (() => Duplex) | undefined {
  const target = loopbackMqtt(url)
  if (target === undefined || !brokers.has(target.port)) return undefined
  const { host, port } = target
  return () => brokers.get(port)?.() ?? tcpConnect({ host, port, noDelay: true })
}
