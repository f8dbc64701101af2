/**
 * @module nats-server-config
 * The text of a nats-server 2.9 config file for Sluice's second engine, NATS JetStream (DESIGN.md §12,
 * issue 14): the client listener, JetStream with its store and limits, and optionally HTTP monitoring,
 * the MQTT 3.1.1 listener (so MQTT devices and `mosquitto_sub` reach the same subjects), a JetStream
 * cluster, authorization and TLS. One pure function, so `sluice up --nats` and testkit's launchers write
 * the same file, and a unit test checks it with `nats-server -t`. Browser-safe: no I/O.
 * Docs: https://docs.nats.io/running-a-nats-service/configuration
 */
import { NatsServerConfigError, type NatsConfigIssue } from './errors.js'

/** A user of the server's `authorization { users [...] }`. */
export interface NatsUser {
  readonly user: string
  /** Plain text, or a bcrypt hash (`$2a$11$…`) made with `nats server passwd`. */
  readonly password: string
}

/** Options of {@link natsServerConfig}. Ports are 1–65535 (nats-server reads 0 as its default port). */
export interface NatsServerConfigOptions {
  /** `server_name`: unique in a cluster; JetStream and the MQTT listener need one. */
  readonly serverName: string
  /** Address every listener binds to (default `127.0.0.1`: loopback, DESIGN.md §11). */
  readonly host?: string
  /** Client port (default 4222). */
  readonly port?: number
  /** HTTP monitoring port (`/varz`, `/jsz`, `/healthz`) on the same host; none when absent. */
  readonly httpPort?: number
  /** JetStream: always on (the MQTT listener and Sluice's streams need it). */
  readonly jetstream: {
    /** `store_dir`: where file streams live; nats-server makes `<storeDir>/jetstream`. */
    readonly storeDir: string
    /** `max_memory_store` in bytes (default 256 MiB). */
    readonly maxMemoryStore?: number
    /** `max_file_store` in bytes (default 1 GiB). */
    readonly maxFileStore?: number
  }
  /** The MQTT 3.1.1 listener on the same host. */
  readonly mqtt?: { readonly port: number }
  /** A JetStream cluster: every node lists every node's cluster port in `routes` (its own is fine). */
  readonly cluster?: {
    /** `cluster.name`: the same on every node. */
    readonly name: string
    /** The route port this node listens on. */
    readonly port: number
    /** `host:port` or `nats-route://host:port` of each node's route port. */
    readonly routes: readonly string[]
  }
  /** Client and MQTT login: one token, or users with passwords. */
  readonly authorization?: { readonly token: string } | { readonly users: readonly NatsUser[] }
  /** TLS on the client and MQTT listeners (PEM files). */
  readonly tls?: {
    readonly certFile: string
    readonly keyFile: string
    /** CA of client certificates; with `verify`, clients must present one it signed. */
    readonly caFile?: string
    /** Require client certificates (default false). */
    readonly verify?: boolean
  }
}

/** Default `max_memory_store`: 256 MiB, small enough for a Pi. */
export const NATS_DEFAULT_MAX_MEMORY_STORE = 256 * 1024 * 1024
/** Default `max_file_store`: 1 GiB. */
export const NATS_DEFAULT_MAX_FILE_STORE = 1024 * 1024 * 1024

/**
 * A double-quoted string of the nats config language. Its lexer knows only the escapes `\t \n \r \" \\`
 * and `\xXX` (nats-server `conf/lex.go`, lexStringEscape), so other control characters go out as `\xXX`;
 * quoted strings are never read as `$VARIABLE` references or numbers with units (`"1K"`).
 */
export function quoteNatsString(value: string): string {
  let out = '"'
  for (const ch of value) {
    const code = ch.codePointAt(0)!
    if (ch === '"') out += '\\"'
    else if (ch === '\\') out += '\\\\'
    else if (ch === '\n') out += '\\n'
    else if (ch === '\r') out += '\\r'
    else if (ch === '\t') out += '\\t'
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`
    else out += ch
  }
  return out + '"'
}

function hostPort(host: string, port: number): string {
  // An IPv6 literal needs brackets before its port.
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`
}

function routeUrl(route: string): string {
  return route.includes('://') ? route : `nats-route://${route}`
}

type Issue = NatsConfigIssue

function checkPort(issues: Issue[], path: string, port: unknown): void {
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65_535)
    issues.push({ path, message: `expected a port from 1 to 65535 (got ${String(port)})` })
}

function checkText(issues: Issue[], path: string, value: unknown): void {
  if (typeof value !== 'string' || value === '')
    issues.push({ path, message: 'expected a non-empty string' })
}

function checkBytes(issues: Issue[], path: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isSafeInteger(value) || value < 1))
    issues.push({ path, message: `expected a whole number of bytes ≥ 1 (got ${String(value)})` })
}

function problems(o: NatsServerConfigOptions): Issue[] {
  const issues: Issue[] = []
  checkText(issues, 'serverName', o.serverName)
  if (/\s/.test(o.serverName))
    issues.push({ path: 'serverName', message: 'nats-server refuses spaces in server_name' })
  checkText(issues, 'host', o.host ?? '127.0.0.1')
  checkPort(issues, 'port', o.port ?? 4222)
  if (o.httpPort !== undefined) checkPort(issues, 'httpPort', o.httpPort)
  checkText(issues, 'jetstream.storeDir', o.jetstream.storeDir)
  checkBytes(issues, 'jetstream.maxMemoryStore', o.jetstream.maxMemoryStore)
  checkBytes(issues, 'jetstream.maxFileStore', o.jetstream.maxFileStore)
  if (o.mqtt !== undefined) checkPort(issues, 'mqtt.port', o.mqtt.port)
  if (o.cluster !== undefined) {
    checkText(issues, 'cluster.name', o.cluster.name)
    if (/\s/.test(o.cluster.name))
      issues.push({ path: 'cluster.name', message: 'nats-server refuses spaces in a cluster name' })
    checkPort(issues, 'cluster.port', o.cluster.port)
    o.cluster.routes.forEach((r, i) => {
      checkText(issues, `cluster.routes[${i}]`, r)
    })
  }
  const auth = o.authorization
  if (auth !== undefined) {
    if ('token' in auth) checkText(issues, 'authorization.token', auth.token)
    else {
      if (auth.users.length === 0)
        issues.push({ path: 'authorization.users', message: 'expected at least one user' })
      const seen = new Set<string>()
      auth.users.forEach((u, i) => {
        checkText(issues, `authorization.users[${i}].user`, u.user)
        checkText(issues, `authorization.users[${i}].password`, u.password)
        if (seen.has(u.user))
          issues.push({ path: `authorization.users[${i}].user`, message: `"${u.user}" twice` })
        seen.add(u.user)
      })
    }
  }
  if (o.tls !== undefined) {
    checkText(issues, 'tls.certFile', o.tls.certFile)
    checkText(issues, 'tls.keyFile', o.tls.keyFile)
    if (o.tls.caFile !== undefined) checkText(issues, 'tls.caFile', o.tls.caFile)
    if (o.tls.verify === true && o.tls.caFile === undefined)
      issues.push({ path: 'tls.verify', message: 'verifying client certificates needs tls.caFile' })
  }
  return issues
}

function tlsBlock(tls: NonNullable<NatsServerConfigOptions['tls']>, indent: string): string[] {
  return [
    `${indent}tls {`,
    `${indent}  cert_file: ${quoteNatsString(tls.certFile)}`,
    `${indent}  key_file: ${quoteNatsString(tls.keyFile)}`,
    ...(tls.caFile === undefined ? [] : [`${indent}  ca_file: ${quoteNatsString(tls.caFile)}`]),
    `${indent}  verify: ${tls.verify === true ? 'true' : 'false'}`,
    `${indent}}`,
  ]
}

/**
 * The text of a nats-server (≥ 2.9) config file. Validates the options first and throws
 * {@link NatsServerConfigError} listing every problem. Strings are always quoted ({@link quoteNatsString}).
 *
 * @example
 * ```ts
 * const text = natsServerConfig({
 *   serverName: 'sluice-1',
 *   port: 4222,
 *   httpPort: 8222,
 *   jetstream: { storeDir: '/var/lib/sluice/nats' },
 *   mqtt: { port: 1883 },
 * })
 * writeFileSync('nats.conf', text) // nats-server -c nats.conf
 * ```
 */
export function natsServerConfig(options: NatsServerConfigOptions): string {
  const issues = problems(options)
  if (issues.length > 0) throw new NatsServerConfigError(issues)
  const host = options.host ?? '127.0.0.1'
  const q = quoteNatsString
  const lines = [
    '# nats-server config written by Sluice (natsServerConfig, @sluice/contract)',
    `server_name: ${q(options.serverName)}`,
    `listen: ${q(hostPort(host, options.port ?? 4222))}`,
  ]
  if (options.httpPort !== undefined) lines.push(`http: ${q(hostPort(host, options.httpPort))}`)
  const js = options.jetstream
  lines.push(
    'jetstream {',
    `  store_dir: ${q(js.storeDir)}`,
    `  max_memory_store: ${js.maxMemoryStore ?? NATS_DEFAULT_MAX_MEMORY_STORE}`,
    `  max_file_store: ${js.maxFileStore ?? NATS_DEFAULT_MAX_FILE_STORE}`,
    '}',
  )
  if (options.tls !== undefined) lines.push(...tlsBlock(options.tls, ''))
  if (options.mqtt !== undefined) {
    lines.push('mqtt {', `  listen: ${q(hostPort(host, options.mqtt.port))}`)
    if (options.tls !== undefined) lines.push(...tlsBlock(options.tls, '  '))
    lines.push('}')
  }
  const cluster = options.cluster
  if (cluster !== undefined) {
    lines.push(
      'cluster {',
      `  name: ${q(cluster.name)}`,
      `  listen: ${q(hostPort(host, cluster.port))}`,
      '  routes: [',
      ...cluster.routes.map((r) => `    ${q(routeUrl(r))}`),
      '  ]',
      '}',
    )
  }
  const auth = options.authorization
  if (auth !== undefined) {
    lines.push('authorization {')
    if ('token' in auth) lines.push(`  token: ${q(auth.token)}`)
    else
      lines.push(
        '  users: [',
        ...auth.users.map((u) => `    { user: ${q(u.user)}, password: ${q(u.password)} }`),
        '  ]',
      )
    lines.push('}')
  }
  return lines.join('\n') + '\n'
}
