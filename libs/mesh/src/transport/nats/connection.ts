/**
 * @module transport/nats/connection
 * From a `--broker` value to nats.js connection options: one or several seed URLs
 * (`nats://a:4222,nats://b:4222`), credentials in the URL (`nats://user:pass@host`, `nats://token@host`)
 * or from `--username`/`--password`, and TLS (`tls://host:port`, or any URL with a CA file).
 */
import { readFileSync } from 'node:fs'
import type { NodeConnectionOptions } from '@nats-io/transport-node'

/** What a NATS connection needs beyond the URL. */
export interface NatsAuth {
  readonly username?: string
  readonly password?: string
  readonly token?: string
  /** PEM files for TLS: the CA that signed the server's certificate, and a client certificate. */
  readonly ca?: string
  readonly cert?: string
  readonly key?: string
}

/** True when `url` names a NATS server (`nats://` or `tls://`, possibly several, comma-separated). */
export function isNatsUrl(url: string): boolean {
  return /^(nats|tls):\/\//.test(url.trim())
}

/**
 * The nats.js options for `url` (comma-separated seeds) and `auth`. Credentials in a URL are taken out
 * of it (nats.js would otherwise print them in errors) and passed as user/pass or token.
 */
export function natsConnectionOptions(
  url: string,
  auth: NatsAuth,
  name: string,
): NodeConnectionOptions {
  const servers: string[] = []
  let user = auth.username
  let pass = auth.password
  let token = auth.token
  let tls = auth.ca !== undefined || auth.cert !== undefined
  for (const seed of url
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')) {
    const u = new URL(seed)
    if (u.protocol === 'tls:') tls = true
    if (u.username !== '' && u.password !== '') {
      user ??= decodeURIComponent(u.username)
      pass ??= decodeURIComponent(u.password)
    } else if (u.username !== '') {
      token ??= decodeURIComponent(u.username)
    }
    servers.push(`${u.hostname.includes(':') ? `[${u.hostname}]` : u.hostname}:${u.port || '4222'}`)
  }
  return {
    servers,
    name,
    ...(user !== undefined ? { user } : {}),
    ...(pass !== undefined ? { pass } : {}),
    ...(token !== undefined ? { token } : {}),
    ...(tls
      ? {
          tls: {
            ...(auth.ca !== undefined ? { ca: readFileSync(auth.ca, 'utf8') } : {}),
            ...(auth.cert !== undefined ? { cert: readFileSync(auth.cert, 'utf8') } : {}),
            ...(auth.key !== undefined ? { key: readFileSync(auth.key, 'utf8') } : {}),
          },
        }
      : {}),
    // Keep trying for ever, as the MQTT transport does; the first connection has its own timeout.
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    timeout: 10_000,
    pingInterval: 10_000,
    maxPingOut: 2,
  }
}
