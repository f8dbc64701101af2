/**
 * @module options
 * The broker's options, their defaults and their validation: checked once at start, every problem listed
 * at once, and frozen (STYLE.md, Config). The defaults are the secure ones of DESIGN.md §11: loopback
 * only, every limit on, and each subscriber bounded (§5).
 */
import { assertIdentifier, assertPrefix, DEFAULT_PREFIX } from '@sluice/contract'
import { InvalidBrokerOptionsError } from './errors.js'
import {
  QUEUE_POLICIES as SUBSCRIBER_QUEUE_POLICIES,
  type QueuePolicy as SubscriberQueuePolicy,
} from '@sluice/stream'

/** A log method, as in pino: `(obj, msg)` or `(msg)`. */
export interface BrokerLogFn {
  (obj: object, msg?: string): void
  (msg: string): void
}

/** The logger the broker takes (a pino logger fits); silent by default. */
export interface BrokerLogger {
  error: BrokerLogFn
  warn: BrokerLogFn
  info: BrokerLogFn
  debug: BrokerLogFn
}

/** Options of {@link startBroker}. Every field is optional. */
export interface BrokerOptions {
  /** Address of both listeners. Default `127.0.0.1`; any other address requires credentials. */
  readonly host?: string
  /** MQTT TCP port. Default 1883; 0 picks a free port. */
  readonly port?: number
  /** MQTT-over-WebSocket port (path `/mqtt`); no WebSocket listener when absent. 0 picks a free port. */
  readonly wsPort?: number
  /** TLS key and certificate files, used on both listeners. */
  readonly tls?: { readonly keyFile: string; readonly certFile: string }
  /** The user list (`user:role:scrypt-hash` lines); see `addUser`. */
  readonly passwordFile?: string
  /** Let clients without credentials in on a non-loopback address (they always may on loopback). */
  readonly allowAnonymous?: boolean
  /**
   * Role of an anonymous client whose id is not `sluice-<service>-<instance>`. Default `operator`
   * (may publish rate commands only); `admin` lets such clients publish anywhere.
   */
  readonly anonymousRole?: string
  /** Largest accepted PUBLISH payload; larger ones are discarded and counted. Default 256 KiB. */
  readonly maxPayloadBytes?: number
  /**
   * Largest MQTT packet (remaining length), checked as soon as its fixed header is read: the connection
   * is closed before the body is buffered. Default `maxPayloadBytes` + 64 KiB (room for the topic).
   */
  readonly maxPacketBytes?: number
  /**
   * Most simultaneous connections. When all are taken, the oldest connection that has not logged in
   * yet is closed to make room; only when every connection has logged in is the newcomer refused.
   * Default 1024.
   */
  readonly maxConnections?: number
  /** Most connections from one remote address that have not logged in yet. Default 64. */
  readonly maxPendingPerAddress?: number
  /** How long a new connection has to send CONNECT before it is closed. Default 5 000 ms. */
  readonly connectTimeoutMs?: number
  /**
   * Failed logins per remote address: `burst` at once, then `perMinute`; beyond, that address's logins
   * are refused (CONNACK 3, "server unavailable") without checking the password. Default 10, 30/min.
   */
  readonly loginThrottle?: { readonly burst?: number; readonly perMinute?: number }
  /** Messages per second each client may publish (excess is delayed, not lost). Default 20 000; 0 = off. */
  readonly maxMessagesPerSecond?: number
  /** Each subscriber's own outbound queue (DESIGN.md §5). Default 10 000, drop-oldest. */
  readonly subscriberQueue?: { readonly capacity?: number; readonly policy?: SubscriberQueuePolicy }
  /** Most QoS 1/2 messages kept per persistent session (drop-newest, counted). Default 10 000. */
  readonly sessionQueueCapacity?: number
  /** Durable persistence (LevelDB) in this directory; in memory (bounded) when absent. */
  readonly persistence?: { readonly dir: string }
  /** Topic prefix. Default `sluice`. */
  readonly prefix?: string
  /** This broker's instance id in `{p}/_sys/broker/{instance}/…`. Default `main`. */
  readonly instance?: string
  /** Period of the metrics message. Default 1000 ms; 0 turns it off. */
  readonly metricsIntervalMs?: number
  /** Serve GET /metrics (Prometheus text format) from each metrics message; host default 127.0.0.1. */
  readonly prometheus?: { readonly port: number; readonly host?: string }
  /** How long a subscriber's socket may stay full before the broker disconnects it. Default 60 000 ms. */
  readonly drainTimeoutMs?: number
  /**
   * Let clients of this process (services inside `sluice up`) connect to the MQTT port without a socket,
   * through the mesh's `registerLocalBroker` (issue 16). Plain MQTT on a loopback or wildcard host only.
   * Default false.
   */
  readonly inProcessClients?: boolean
  /** Logger; silent by default. */
  readonly logger?: BrokerLogger
}

/** {@link BrokerOptions} with every default filled in. */
export interface ResolvedBrokerOptions {
  readonly host: string
  readonly port: number
  readonly wsPort: number | undefined
  readonly tls: { readonly keyFile: string; readonly certFile: string } | undefined
  readonly passwordFile: string | undefined
  readonly allowAnonymous: boolean
  readonly anonymousRole: string
  readonly maxPayloadBytes: number
  readonly maxPacketBytes: number
  readonly maxConnections: number
  readonly maxPendingPerAddress: number
  readonly connectTimeoutMs: number
  readonly loginThrottle: { readonly burst: number; readonly perMinute: number }
  readonly maxMessagesPerSecond: number
  readonly subscriberQueue: { readonly capacity: number; readonly policy: SubscriberQueuePolicy }
  readonly sessionQueueCapacity: number
  readonly persistence: { readonly dir: string } | undefined
  readonly prefix: string
  readonly instance: string
  readonly metricsIntervalMs: number
  readonly prometheus: { readonly port: number; readonly host: string } | undefined
  readonly drainTimeoutMs: number
  readonly inProcessClients: boolean
  readonly logger: BrokerLogger
}

const noop: BrokerLogFn = () => undefined

/** The default logger: drops everything. */
export const silentBrokerLogger: BrokerLogger = { error: noop, warn: noop, info: noop, debug: noop }

/** The defaults, in one place. */
export const BROKER_DEFAULTS = Object.freeze({
  host: '127.0.0.1',
  port: 1883,
  anonymousRole: 'operator',
  maxPayloadBytes: 256 * 1024,
  maxConnections: 1024,
  maxPendingPerAddress: 64,
  connectTimeoutMs: 5000,
  loginBurst: 10,
  loginsPerMinute: 30,
  maxMessagesPerSecond: 20_000,
  subscriberQueueCapacity: 10_000,
  subscriberQueuePolicy: 'drop-oldest',
  sessionQueueCapacity: 10_000,
  prefix: DEFAULT_PREFIX,
  instance: 'main',
  metricsIntervalMs: 1000,
  drainTimeoutMs: 60_000,
})

/**
 * The checks of {@link resolveBrokerOptions}: each returns the value given (or the fallback) and adds
 * what is wrong with it to `problems`, so that every problem is listed at once.
 */
function optionChecks(problems: string[]) {
  return {
    port: (name: string, value: number | undefined, fallback: number | undefined) => {
      if (value === undefined) return fallback
      if (!Number.isInteger(value) || value < 0 || value > 65535) {
        problems.push(`${name} must be an integer from 0 to 65535, got ${String(value)}`)
      }
      return value
    },
    positive: (name: string, value: number | undefined, fallback: number, zeroOk = false) => {
      if (value === undefined) return fallback
      if (!Number.isInteger(value) || value < (zeroOk ? 0 : 1)) {
        problems.push(`${name} must be an integer ≥ ${zeroOk ? 0 : 1}, got ${String(value)}`)
      }
      return value
    },
    identifier: (name: string, value: string, check: (v: string) => string) => {
      try {
        check(value)
      } catch (err) {
        problems.push(`${name}: ${(err as Error).message}`)
      }
      return value
    },
  }
}

/**
 * Fills in defaults and validates; throws {@link InvalidBrokerOptionsError} listing every problem.
 *
 * @example
 * ```ts
 * resolveBrokerOptions({ port: 0 }).host // '127.0.0.1'
 * ```
 */
export function resolveBrokerOptions(options: BrokerOptions = {}): ResolvedBrokerOptions {
  const problems: string[] = []
  const { port, positive, identifier } = optionChecks(problems)
  const policy = options.subscriberQueue?.policy ?? BROKER_DEFAULTS.subscriberQueuePolicy
  if (!SUBSCRIBER_QUEUE_POLICIES.includes(policy)) {
    problems.push(
      `subscriberQueue.policy must be one of ${SUBSCRIBER_QUEUE_POLICIES.join(', ')}, got ${policy}`,
    )
  }
  const tcpPort = port('port', options.port, BROKER_DEFAULTS.port) ?? BROKER_DEFAULTS.port
  const maxPayloadBytes = positive(
    'maxPayloadBytes',
    options.maxPayloadBytes,
    BROKER_DEFAULTS.maxPayloadBytes,
  )
  const maxPacketBytes = positive(
    'maxPacketBytes',
    options.maxPacketBytes,
    maxPayloadBytes + 65_536,
  )
  if (maxPacketBytes < maxPayloadBytes) {
    problems.push(
      `maxPacketBytes (${maxPacketBytes}) must be ≥ maxPayloadBytes (${maxPayloadBytes})`,
    )
  }
  const host = options.host ?? BROKER_DEFAULTS.host
  if (host.trim() === '') problems.push('host must not be empty')
  const resolved: ResolvedBrokerOptions = {
    host,
    port: tcpPort,
    wsPort: port('wsPort', options.wsPort, undefined),
    tls: options.tls,
    passwordFile: options.passwordFile,
    allowAnonymous: options.allowAnonymous ?? false,
    anonymousRole: identifier(
      'anonymousRole',
      options.anonymousRole ?? BROKER_DEFAULTS.anonymousRole,
      (v) => assertIdentifier('anonymousRole', v),
    ),
    maxPayloadBytes,
    maxPacketBytes,
    maxConnections: positive(
      'maxConnections',
      options.maxConnections,
      BROKER_DEFAULTS.maxConnections,
    ),
    maxPendingPerAddress: positive(
      'maxPendingPerAddress',
      options.maxPendingPerAddress,
      BROKER_DEFAULTS.maxPendingPerAddress,
    ),
    connectTimeoutMs: positive(
      'connectTimeoutMs',
      options.connectTimeoutMs,
      BROKER_DEFAULTS.connectTimeoutMs,
    ),
    loginThrottle: {
      burst: positive(
        'loginThrottle.burst',
        options.loginThrottle?.burst,
        BROKER_DEFAULTS.loginBurst,
      ),
      perMinute: positive(
        'loginThrottle.perMinute',
        options.loginThrottle?.perMinute,
        BROKER_DEFAULTS.loginsPerMinute,
      ),
    },
    maxMessagesPerSecond: positive(
      'maxMessagesPerSecond',
      options.maxMessagesPerSecond,
      BROKER_DEFAULTS.maxMessagesPerSecond,
      true,
    ),
    subscriberQueue: {
      capacity: positive(
        'subscriberQueue.capacity',
        options.subscriberQueue?.capacity,
        BROKER_DEFAULTS.subscriberQueueCapacity,
      ),
      policy,
    },
    sessionQueueCapacity: positive(
      'sessionQueueCapacity',
      options.sessionQueueCapacity,
      BROKER_DEFAULTS.sessionQueueCapacity,
    ),
    persistence: options.persistence,
    prefix: identifier('prefix', options.prefix ?? BROKER_DEFAULTS.prefix, assertPrefix),
    instance: identifier('instance', options.instance ?? BROKER_DEFAULTS.instance, (v) =>
      assertIdentifier('instance', v),
    ),
    metricsIntervalMs: positive(
      'metricsIntervalMs',
      options.metricsIntervalMs,
      BROKER_DEFAULTS.metricsIntervalMs,
      true,
    ),
    prometheus:
      options.prometheus === undefined
        ? undefined
        : {
            port: port('prometheus.port', options.prometheus.port, 0) ?? 0,
            host: options.prometheus.host ?? '127.0.0.1',
          },
    drainTimeoutMs: positive(
      'drainTimeoutMs',
      options.drainTimeoutMs,
      BROKER_DEFAULTS.drainTimeoutMs,
      true,
    ),
    inProcessClients: options.inProcessClients ?? false,
    logger: options.logger ?? silentBrokerLogger,
  }
  if (problems.length > 0) throw new InvalidBrokerOptionsError(problems)
  return Object.freeze(resolved)
}
