/**
 * @module server/access
 * Who may use the dashboard (DESIGN.md §11). On loopback anyone on this machine may, as with the broker.
 * Listening on any other address needs HTTP Basic credentials (RFC 7617), or an explicit `allowAnonymous`.
 * State-changing requests (the rate control) must also come from the dashboard's own page: a JSON body,
 * which a cross-site form cannot send without a CORS preflight we never answer, and a matching `Origin`.
 */
import { timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { DashboardInsecureError } from '../errors.js'

/** Credentials the dashboard asks for. */
export interface Credentials {
  readonly user: string
  readonly password: string
}

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)
}

/**
 * Checks the listening address against the credentials; returns the credentials to require, if any.
 *
 * @throws {DashboardInsecureError} beyond loopback without credentials or `allowAnonymous`.
 */
export function accessPolicy(options: {
  readonly host: string
  readonly user?: string | undefined
  readonly password?: string | undefined
  readonly allowAnonymous: boolean
}): Credentials | undefined {
  const { host, user, password, allowAnonymous } = options
  if ((user === undefined) !== (password === undefined)) {
    throw new DashboardInsecureError(
      'The dashboard got only one of httpUser and httpPassword: set both (or neither on loopback).',
    )
  }
  if (user !== undefined && password !== undefined) return { user, password }
  if (isLoopback(host) || allowAnonymous) return undefined
  throw new DashboardInsecureError(
    `The dashboard would listen on ${host}, beyond loopback, with no login: anyone on the network could ` +
      'watch the sensors and change sampling rates. Set --httpUser and --httpPassword, or pass ' +
      '--allowAnonymous if that is really intended, or listen on 127.0.0.1 and use an SSH tunnel.',
  )
}

function sameBytes(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/** True when the request carries the credentials (or none are required). */
export function isAuthorised(req: IncomingMessage, creds: Credentials | undefined): boolean {
  if (creds === undefined) return true
  const header = req.headers.authorization ?? ''
  if (!header.startsWith('Basic ')) return false
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 0) return false
  // Compare both parts whatever the first gives, so timing does not tell which one was wrong.
  const userOk = sameBytes(decoded.slice(0, colon), creds.user)
  const passOk = sameBytes(decoded.slice(colon + 1), creds.password)
  return userOk && passOk
}

/** True when a state-changing request comes from the dashboard's own page (or from a non-browser client). */
export function isSameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin
  if (origin === undefined) return true
  try {
    return new URL(origin).host === req.headers.host
  } catch {
    return false
  }
}
