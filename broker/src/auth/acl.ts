/**
 * @module auth/acl
 * Who may publish where (DESIGN.md §11: "each service may publish only its own topics"). The rules are
 * one table from role to MQTT topic filters, each built by the contract's topic and filter builders
 * (`rawFilter`, `rateFilter`, …, §3) from the prefix and, for a `device`, its user name — so that reading
 * the table is reading the policy, and a topic the contract renames is renamed here too. Every role may
 * also publish under its own `{p}/_sys/{role}/{instance}/#` (status and metrics, §3), once the broker knows
 * which instance it is. A `device` user (an ESP32 or a Tasmota publishing straight to MQTT) is named after
 * its device id and may publish only that device's raw topics; those rules apply only to a password login
 * whose user name is an identifier.
 *
 * Reading is open for the mesh's own topics (every one of them is meant to be observable), and closed
 * for the topics in {@link READ_RULES}: Aedes' `$SYS/…` announcements name every client id and every
 * subscription, which is what a client needs to impersonate a service, so only `admin` reads them.
 *
 * Service client ids (`sluice-<service>-<instance>`) are bound to credentials: see {@link checkClientId}.
 */

import {
  anomalyFilter,
  createTopicMatcher,
  deviceRawFilter,
  isIdentifier,
  rateFilter,
  rawFilter,
  sysFilter,
  windowFilter,
} from '@sluice/contract'

/**
 * Builds the topic filters of one role from the topic prefix and, for roles named after a device, the
 * user name (an identifier, or `undefined` when the login has none: such rules then give nothing).
 */
export type AclRule = (prefix: string, user: string | undefined) => readonly string[]

/** Role → topic filters that role may publish to (besides its own `_sys` subtree). */
export const PUBLISH_RULES: Readonly<Record<string, AclRule>> = Object.freeze({
  'serial-bridge': (p) => [rawFilter(p)],
  windowing: (p) => [windowFilter(p)],
  anomaly: (p) => [anomalyFilter(p)],
  forwarder: () => [],
  dashboard: (p) => [rateFilter(p)],
  operator: (p) => [rateFilter(p)],
  // a device publishing directly: its own per-channel and device-level raw topics (user name = device id)
  device: (p, user) => (user === undefined ? [] : [rawFilter(p, user), deviceRawFilter(p, user)]),
  // tooling that must publish anywhere (replays, benchmarks, bridging); never the anonymous default
  admin: () => ['#'],
})

/**
 * The rule every role gets: its own status and metrics subtree, `{p}/_sys/{role}/{instance}/#`
 * (`instance` `+` for an anonymous client that names no service). Nothing when the role or instance is no
 * identifier, since no service can publish there.
 */
export function ownSysRule(prefix: string, role: string, instance: string): readonly string[] {
  if (!isIdentifier(role) || (instance !== '+' && !isIdentifier(instance))) return []
  return [sysFilter(prefix, role, instance)]
}

/** The roles that are Sluice services (their client ids identify them on loopback). */
export const SERVICE_ROLES: readonly string[] = Object.freeze([
  'serial-bridge',
  'windowing',
  'anomaly',
  'forwarder',
  'dashboard',
])

/**
 * Topics that only some roles may read: a subscription whose filter can match one of them is refused
 * (SUBACK 0x80) for every other role. Wildcards at the first level never match `$…` topics
 * [MQTT-4.7.2-1], so `#` does not reach `$SYS`; only a filter starting with `$SYS` does.
 */
export const READ_RULES: readonly { readonly filter: string; readonly roles: readonly string[] }[] =
  Object.freeze([
    // Aedes' announcements: client ids, subscriptions, heartbeats (moscajs/aedes lib/handlers)
    { filter: '$SYS/#', roles: ['admin'] },
  ])

/**
 * Role → the only topic filters that role may subscribe to, taken literally; a role not listed reads every
 * topic but those {@link READ_RULES} close. A device reads its own rate commands.
 */
export const SUBSCRIBE_ONLY: Readonly<Record<string, AclRule>> = Object.freeze({
  device: (p, user) => (user === undefined ? [] : [rateFilter(p, user)]),
})

/** Who a connected client is, for the ACL. */
export interface Identity {
  readonly role: string
  /**
   * The instance whose `_sys` topics it may publish: from the credential, or from a service client id
   * of the client's own role. `undefined` when neither names one (no `_sys` topics then); `+` only for
   * anonymous clients that name no service.
   */
  readonly instance: string | undefined
  /** How the identity was established. */
  readonly via: 'password' | 'client-id' | 'anonymous'
  /** The user name of a password login (a `device` user's is its device id). */
  readonly user?: string
}

/** The user name of an identity when it can name a topic level (an identifier), else `undefined`. */
function topicUser(identity: Identity): string | undefined {
  return identity.user !== undefined && isIdentifier(identity.user) ? identity.user : undefined
}

/**
 * True when some topic matches both filters (so subscribing to `a` can receive messages meant for `b`),
 * honouring [MQTT-4.7.2-1]: a wildcard first level does not match a `$` topic.
 */
export function filtersOverlap(a: string, b: string): boolean {
  const x = a.split('/')
  const y = b.split('/')
  const dollar = (l: string | undefined) => l?.startsWith('$') === true
  if (
    (dollar(x[0]) && (y[0] === '+' || y[0] === '#')) ||
    (dollar(y[0]) && (x[0] === '+' || x[0] === '#'))
  ) {
    return false
  }
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const p = x[i]
    const q = y[i]
    if (p === '#' || q === '#') return true
    if (p === undefined || q === undefined) return false
    if (p !== '+' && q !== '+' && p !== q) return false
  }
  return true
}

/** The filters an identity may publish to. Unknown roles get only `_sys`. */
export function publishFilters(identity: Identity, prefix: string): string[] {
  const own =
    identity.instance === undefined ? [] : ownSysRule(prefix, identity.role, identity.instance)
  return [...(PUBLISH_RULES[identity.role]?.(prefix, topicUser(identity)) ?? []), ...own]
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
  return createTopicMatcher(publishFilters(identity, prefix))
}

/**
 * Builds the subscribe check for an identity: false for a filter that can match a topic of
 * {@link READ_RULES} that the identity's role may not read, or, for a role in {@link SUBSCRIBE_ONLY}, any
 * filter but the ones listed there.
 *
 * @example
 * ```ts
 * const may = createSubscribeCheck({ role: 'dashboard', instance: 'd1', via: 'password' })
 * may('sluice/#') // true
 * may('$SYS/#') // false
 * ```
 */
export function createSubscribeCheck(
  identity: Identity,
  prefix = 'sluice',
): (filter: string) => boolean {
  const only = SUBSCRIBE_ONLY[identity.role]
  if (only !== undefined) {
    const allowed = new Set(only(prefix, topicUser(identity)))
    return (filter) => allowed.has(filter)
  }
  const closed = READ_RULES.filter((rule) => !rule.roles.includes(identity.role))
  return (filter) => !closed.some((rule) => filtersOverlap(filter, rule.filter))
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
  const service = serviceOfClientId(clientId)
  if (service !== undefined) return { ...service, via: 'client-id' }
  return { role: fallbackRole, instance: '+', via: 'anonymous' }
}

/** The service and instance a client id `sluice-<service>-<instance>` names, if it names one. */
export function serviceOfClientId(
  clientId: string,
): { readonly role: string; readonly instance: string } | undefined {
  const m = SERVICE_CLIENT_ID.exec(clientId)
  return m === null ? undefined : { role: m[1]!, instance: m[2]! }
}

/** What a client logged in with: a user of the password file, or nothing. */
export type Credential =
  | { readonly kind: 'user'; readonly role: string; readonly instance: string | undefined }
  | { readonly kind: 'anonymous'; readonly usersConfigured: boolean }

/**
 * Whether a credential may use a client id (issue 11, item 6). A service client id
 * `sluice-<service>-<instance>` takes over that service's connection and its stored session
 * [MQTT-3.1.4-2], so it is bound to a credential of that role, and to that instance when the
 * credential names one. Anonymous clients may use one only while the broker has no users (loopback
 * development); once users are configured, the service must log in. Returns the refusal's reason, or
 * `undefined` when allowed.
 */
export function checkClientId(clientId: string, credential: Credential): string | undefined {
  const service = serviceOfClientId(clientId)
  if (service === undefined) return undefined
  if (credential.kind === 'anonymous') {
    return credential.usersConfigured
      ? `client id ${clientId} is reserved for a user with role ${service.role}; log in as one`
      : undefined
  }
  if (credential.role !== service.role) {
    return `client id ${clientId} is reserved for role ${service.role}, and this user has role ${credential.role}`
  }
  if (credential.instance !== undefined && credential.instance !== service.instance) {
    return `client id ${clientId} names instance ${service.instance}, and this user is bound to instance ${credential.instance}`
  }
  return undefined
}

/**
 * The identity of a password user (after {@link checkClientId} allowed its client id): the user's role,
 * and the instance its credential names, or else the one its service client id names, or none.
 */
export function identityOfUser(
  clientId: string,
  user: { readonly user: string; readonly role: string; readonly instance?: string | undefined },
): Identity {
  const service = serviceOfClientId(clientId)
  const fromId = service?.role === user.role ? service.instance : undefined
  return { role: user.role, instance: user.instance ?? fromId, via: 'password', user: user.user }
}
