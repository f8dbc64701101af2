/**
 * @module auth/acl
 * Who may publish where (DESIGN.md §11: "each service may publish only its own topics"). The rules are
 * data — one table from role to MQTT topic filters, with `{p}` (the prefix), `{role}`, `{instance}` and
 * `{user}` placeholders — so that reading the table is reading the policy. A `device` user (an ESP32 or
 * a Tasmota publishing straight to MQTT) is named after its device id and may publish only that device's
 * raw topics; a rule with `{user}` applies only to a password login whose user name is an identifier. Every role may also publish under its
 * own `{p}/_sys/{role}/{instance}/#` (status and metrics, §3). Subscribing is not restricted: every
 * topic of the mesh is meant to be observable.
 */

/** Role → topic filters that role may publish to (besides its own `_sys` subtree). */
export const PUBLISH_RULES: Readonly<Record<string, readonly string[]>> = Object.freeze({
  'serial-bridge': ['{p}/+/+/raw'],
  windowing: ['{p}/+/+/window/+'],
  anomaly: ['{p}/+/+/anomaly'],
  forwarder: [],
  dashboard: ['{p}/+/_ctl/rate'],
  operator: ['{p}/+/_ctl/rate'],
  // a device publishing directly: its own per-channel and device-level raw topics (user name = device id)
  device: ['{p}/{user}/+/raw', '{p}/{user}/raw'],
  // tooling that must publish anywhere (replays, benchmarks, bridging); never the anonymous default
  admin: ['#'],
})

/** The rule every role gets: its own status and metrics subtree. */
export const OWN_SYS_RULE = '{p}/_sys/{role}/{instance}/#'

/** The roles that are Sluice services (their client ids identify them on loopback). */
export const SERVICE_ROLES: readonly string[] = Object.freeze([
  'serial-bridge',
  'windowing',
  'anomaly',
  'forwarder',
  'dashboard',
])

/** Who a connected client is, for the ACL. */
export interface Identity {
  readonly role: string
  /** The instance id when known (from the client id), otherwise `+` (any instance of the role). */
  readonly instance: string
  /** How the identity was established. */
  readonly via: 'password' | 'client-id' | 'anonymous'
  /** The user name of a password login (a `device` user's is its device id). */
  readonly user?: string
}

/** What a `{user}` placeholder may stand for: an identifier, never a wildcard or a level separator. */
const TOPIC_USER = /^[a-z0-9][a-z0-9_-]*$/

/** Tests an MQTT topic against a topic filter (`+` one level, `#` the rest) [MQTT-4.7.1]. */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/')
  const t = topic.split('/')
  for (let i = 0; i < f.length; i++) {
    const level = f[i]
    if (level === '#') return true
    if (i >= t.length) return false
    if (level !== '+' && level !== t[i]) return false
  }
  return f.length === t.length
}

/** The filters an identity may publish to, with placeholders filled in. Unknown roles get only `_sys`. */
export function publishFilters(identity: Identity, prefix: string): string[] {
  const fill = (rule: string) =>
    rule
      .replaceAll('{p}', prefix)
      .replaceAll('{role}', identity.role)
      .replaceAll('{instance}', identity.instance)
  const user =
    identity.user !== undefined && TOPIC_USER.test(identity.user) ? identity.user : undefined
  return [...(PUBLISH_RULES[identity.role] ?? []), OWN_SYS_RULE]
    .filter((rule) => user !== undefined || !rule.includes('{user}'))
    .map((rule) => fill(rule).replaceAll('{user}', user ?? ''))
}

/**
 * Builds the publish check for an identity.
 *
 * @example
 * ```ts
 * const may = createPublishCheck({ role: 'anomaly', instance: 'a1', via: 'client-id' }, 'sluice')
 * may('sluice/dev1/temp/anomaly') // true
 * may('sluice/dev1/temp/raw') // false
 * ```
 */
export function createPublishCheck(identity: Identity, prefix: string): (topic: string) => boolean {
  const filters = publishFilters(identity, prefix)
  return (topic) => filters.some((filter) => topicMatches(filter, topic))
}

const SERVICE_CLIENT_ID = new RegExp(
  `^sluice-(${[...SERVICE_ROLES]
    .sort((a, b) => b.length - a.length)
    .join('|')})-([a-z0-9][a-z0-9_-]*)$`,
)

/**
 * The identity of an anonymous client (allowed on loopback only): a client id
 * `sluice-<service>-<instance>` gets that service's ACL and instance; any other client gets
 * `fallbackRole` (`operator` by default: it may change sampling rates, nothing else).
 */
export function identityFromClientId(clientId: string, fallbackRole: string): Identity {
  const m = SERVICE_CLIENT_ID.exec(clientId)
  if (m !== null) return { role: m[1]!, instance: m[2]!, via: 'client-id' }
  return { role: fallbackRole, instance: '+', via: 'anonymous' }
}
