/**
 * @module topics
 * Every MQTT topic Sluice uses, built and parsed in one place (DESIGN.md §3), so services never spell a
 * topic string themselves. Identifiers match `[a-z0-9][a-z0-9_-]*` (at most 128 characters): they cannot start with `_`, which keeps
 * the reserved segments `_sys` and `_ctl` unambiguous, and they never contain the MQTT wildcards `+` / `#`
 * or the level separator `/` [MQTT-4.7.1].
 *
 * | kind | topic |
 * |---|---|
 * | raw | `{p}/{device}/{channel}/raw` |
 * | device-raw | `{p}/{device}/raw` (readings of several channels from a device publishing directly) |
 * | window | `{p}/{device}/{channel}/window/{name}` |
 * | anomaly | `{p}/{device}/{channel}/anomaly` |
 * | rate | `{p}/{device}/_ctl/rate` |
 * | status | `{p}/_sys/{service}/{instance}/status` (retained) |
 * | metrics | `{p}/_sys/{service}/{instance}/metrics` |
 *
 * The prefix `p` is `sluice` by default; it may have several levels (`site-1/sluice`), each an identifier.
 */
import { InvalidIdentifierError } from './errors.js'
import { IDENTIFIER_MAX_LENGTH } from './payloads/common.js'

/** The default topic prefix. */
export const DEFAULT_PREFIX = 'sluice'

/**
 * What every identifier (device, channel, window name, service, instance, prefix level) must match, with
 * at most {@link IDENTIFIER_MAX_LENGTH} characters.
 */
export const IDENTIFIER_PATTERN = /^[a-z0-9][a-z0-9_-]*$/

/** The reserved level for service status and metrics. */
export const SYS_SEGMENT = '_sys'
/** The reserved level for commands to a device. */
export const CTL_SEGMENT = '_ctl'

/** MQTT single-level wildcard [MQTT-4.7.1.3]. */
const ANY = '+'

/** A topic, parsed back into its parts by {@link parseTopic}. */
export type ParsedTopic =
  | { readonly kind: 'raw'; readonly device: string; readonly channel: string }
  | { readonly kind: 'device-raw'; readonly device: string }
  | {
      readonly kind: 'window'
      readonly device: string
      readonly channel: string
      readonly name: string
    }
  | { readonly kind: 'anomaly'; readonly device: string; readonly channel: string }
  | { readonly kind: 'rate'; readonly device: string }
  | { readonly kind: 'status'; readonly service: string; readonly instance: string }
  | { readonly kind: 'metrics'; readonly service: string; readonly instance: string }
  | GroupTopic

/** A group message's topic, parsed (`{p}/_sys/{service}/{instance}/{kind}/{id}`). */
export interface GroupTopic {
  readonly kind: 'sensors' | 'handover' | 'progress'
  readonly service: string
  readonly instance: string
  /** The device (`sensors`), the addressee (`handover`) or the chunk (`progress`). */
  readonly id: string
}

/** The `kind` of a {@link ParsedTopic}. */
export type TopicKind = ParsedTopic['kind']

/**
 * True when `value` is a valid identifier.
 *
 * @example
 * ```ts
 * isIdentifier('arduino-1') // true
 * isIdentifier('_sys')      // false
 * ```
 */
export function isIdentifier(value: unknown): value is string {
  // The length first: a 60 000-character device must not cost a regex scan (issue 11, item 10).
  return (
    typeof value === 'string' &&
    value.length <= IDENTIFIER_MAX_LENGTH &&
    IDENTIFIER_PATTERN.test(value)
  )
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (value === undefined) return 'undefined'
  if (value === null) return 'null'
  return `a ${typeof value}`
}

function explain(value: string): string {
  if (value === '') return 'it is empty'
  if (value.length > IDENTIFIER_MAX_LENGTH)
    return `it has ${value.length} characters, more than ${IDENTIFIER_MAX_LENGTH}`
  if (value.includes('/')) return 'it contains "/", the MQTT level separator'
  if (value.includes('+') || value.includes('#')) return 'it contains an MQTT wildcard'
  if (value.startsWith('_')) return 'it starts with "_", which is reserved for _sys and _ctl'
  if (value !== value.toLowerCase()) return 'it has upper-case letters'
  return 'it has a character outside a-z, 0-9, "_" and "-"'
}

/**
 * Returns `value` if it is a valid identifier, and throws {@link InvalidIdentifierError} naming the
 * field and the reason otherwise.
 *
 * @example
 * ```ts
 * assertIdentifier('device', 'Arduino 1')
 * // InvalidIdentifierError: Invalid device "Arduino 1": it has upper-case letters. Identifiers must match …
 * ```
 */
export function assertIdentifier(field: string, value: unknown): string {
  if (isIdentifier(value)) return value
  const reason = typeof value === 'string' ? explain(value) : 'it is not a string'
  throw new InvalidIdentifierError(
    field,
    value,
    `Invalid ${field} ${describeValue(value)}: ${reason}. Identifiers must match ` +
      `[a-z0-9][a-z0-9_-]* (lower-case letters, digits, "_" and "-", not starting with "_" or "-"); ` +
      `rename it, e.g. "${suggestIdentifier(value)}".`,
  )
}

/**
 * `value` made into an identifier: lower-cased, each run of other characters one `-`, without a leading `_`
 * or `-` or a trailing `-`, at most {@link IDENTIFIER_MAX_LENGTH} characters; `''` when nothing is left.
 *
 * @example
 * ```ts
 * toIdentifier('Volume Flow RateRMS') // 'volume-flow-raterms'
 * ```
 */
export function toIdentifier(value: string): string {
  return value
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[_-]+|-+$/g, '')
    .slice(0, IDENTIFIER_MAX_LENGTH)
}

/** A best-effort valid identifier close to `value`, used in error messages. */
function suggestIdentifier(value: unknown): string {
  const s = toIdentifier(typeof value === 'string' ? value : '')
  return s === '' ? 'sensor-1' : s
}

const prefixCache = new Map<string, true>()

/**
 * Returns `prefix` if every `/`-separated level of it is a valid identifier, and throws
 * {@link InvalidIdentifierError} otherwise. Valid prefixes are remembered, so the check is a map lookup
 * on the hot path.
 *
 * @example
 * ```ts
 * assertPrefix('site-1/sluice') // 'site-1/sluice'
 * ```
 */
export function assertPrefix(prefix: unknown): string {
  if (typeof prefix === 'string' && prefixCache.has(prefix)) return prefix
  if (typeof prefix !== 'string' || prefix === '') {
    return assertIdentifier('prefix', prefix)
  }
  for (const level of prefix.split('/')) assertIdentifier('prefix level', level)
  // Prefixes come from config, so there are only a handful; the bound only guards against misuse.
  if (prefixCache.size < 64) prefixCache.set(prefix, true)
  return prefix
}

function segmentOrAny(field: string, value: string | undefined): string {
  return value === undefined || value === ANY ? ANY : assertIdentifier(field, value)
}

/**
 * The topic a bridge publishes raw samples (or batches) of one sensor channel to.
 *
 * @example
 * ```ts
 * rawTopic('sluice', 'arduino-1', 'light') // 'sluice/arduino-1/light/raw'
 * ```
 */
export function rawTopic(prefix: string, device: string, channel: string): string {
  return `${assertPrefix(prefix)}/${assertIdentifier('device', device)}/${assertIdentifier('channel', channel)}/raw`
}

/**
 * The device-level raw topic: a device publishing straight to MQTT sends readings of several channels
 * here at once (named fields or a SenML pack, see `device-forms.ts`).
 *
 * @example
 * ```ts
 * deviceRawTopic('sluice', 'esp32-1') // 'sluice/esp32-1/raw'
 * ```
 */
export function deviceRawTopic(prefix: string, device: string): string {
  return `${assertPrefix(prefix)}/${assertIdentifier('device', device)}/raw`
}

/**
 * Subscription filter for device-level raw topics.
 *
 * @example
 * ```ts
 * deviceRawFilter('sluice')            // 'sluice/+/raw'
 * deviceRawFilter('sluice', 'esp32-1') // 'sluice/esp32-1/raw'
 * ```
 */
export function deviceRawFilter(prefix: string, device?: string): string {
  return `${assertPrefix(prefix)}/${segmentOrAny('device', device)}/raw`
}

/**
 * The topic the windowing service publishes one named window's aggregates to.
 *
 * @example
 * ```ts
 * windowTopic('sluice', 'arduino-1', 'light', 'w5s') // 'sluice/arduino-1/light/window/w5s'
 * ```
 */
export function windowTopic(prefix: string, device: string, channel: string, name: string): string {
  return `${assertPrefix(prefix)}/${assertIdentifier('device', device)}/${assertIdentifier('channel', channel)}/window/${assertIdentifier('window name', name)}`
}

/**
 * The topic the anomaly service publishes events for one sensor channel to.
 *
 * @example
 * ```ts
 * anomalyTopic('sluice', 'arduino-1', 'light') // 'sluice/arduino-1/light/anomaly'
 * ```
 */
export function anomalyTopic(prefix: string, device: string, channel: string): string {
  return `${assertPrefix(prefix)}/${assertIdentifier('device', device)}/${assertIdentifier('channel', channel)}/anomaly`
}

/**
 * The command topic that sets a device's sampling rate (`{"hz": 10}`).
 *
 * @example
 * ```ts
 * rateTopic('sluice', 'arduino-1') // 'sluice/arduino-1/_ctl/rate'
 * ```
 */
export function rateTopic(prefix: string, device: string): string {
  return `${assertPrefix(prefix)}/${assertIdentifier('device', device)}/${CTL_SEGMENT}/rate`
}

/**
 * The retained status topic of one service instance (also its MQTT last will).
 *
 * @example
 * ```ts
 * statusTopic('sluice', 'windowing', 'w1') // 'sluice/_sys/windowing/w1/status'
 * ```
 */
export function statusTopic(prefix: string, service: string, instance: string): string {
  return `${assertPrefix(prefix)}/${SYS_SEGMENT}/${assertIdentifier('service', service)}/${assertIdentifier('instance', instance)}/status`
}

/**
 * The topic one service instance publishes its hop metrics to every second.
 *
 * @example
 * ```ts
 * metricsTopic('sluice', 'windowing', 'w1') // 'sluice/_sys/windowing/w1/metrics'
 * ```
 */
export function metricsTopic(prefix: string, service: string, instance: string): string {
  return `${assertPrefix(prefix)}/${SYS_SEGMENT}/${assertIdentifier('service', service)}/${assertIdentifier('instance', instance)}/metrics`
}

/** `{p}/_sys/{service}/{instance}/{kind}/{id}`: a group message in the publisher's own `_sys` subtree. */
function groupTopic(
  prefix: string,
  service: string,
  instance: string,
  kind: string,
  id: string,
): string {
  return `${assertPrefix(prefix)}/${SYS_SEGMENT}/${assertIdentifier('service', service)}/${assertIdentifier('instance', instance)}/${kind}/${assertIdentifier(kind, id)}`
}

/**
 * The retained sensor registry record of one device, as one publisher knows it (DESIGN.md §12): the
 * members of a group assign the sensors they find there.
 *
 * @example
 * ```ts
 * sensorsTopic('sluice', 'serial-bridge', 'b1', 'pump-1') // 'sluice/_sys/serial-bridge/b1/sensors/pump-1'
 * ```
 */
export function sensorsTopic(
  prefix: string,
  service: string,
  instance: string,
  device: string,
): string {
  return groupTopic(prefix, service, instance, 'sensors', device)
}

/**
 * Subscription filter for every sensor registry record, whoever published it.
 *
 * @example
 * ```ts
 * sensorsFilter('sluice') // 'sluice/_sys/+/+/sensors/+'
 * ```
 */
export function sensorsFilter(prefix: string): string {
  return `${assertPrefix(prefix)}/${SYS_SEGMENT}/+/+/sensors/+`
}

/**
 * The topic an instance hands a unit's state to instance `to` on, in its own subtree.
 *
 * @example
 * ```ts
 * handoverTopic('sluice', 'windowing', 'w1', 'w2') // 'sluice/_sys/windowing/w1/handover/w2'
 * ```
 */
export function handoverTopic(prefix: string, service: string, from: string, to: string): string {
  return groupTopic(prefix, service, from, 'handover', to)
}

/**
 * Subscription filter for the handovers addressed to instance `to` of a service.
 *
 * @example
 * ```ts
 * handoverFilter('sluice', 'windowing', 'w2') // 'sluice/_sys/windowing/+/handover/w2'
 * ```
 */
export function handoverFilter(prefix: string, service: string, to: string): string {
  return `${assertPrefix(prefix)}/${SYS_SEGMENT}/${assertIdentifier('service', service)}/+/handover/${assertIdentifier('instance', to)}`
}

/**
 * One retained progress checkpoint chunk of an instance (chunk = a small number).
 *
 * @example
 * ```ts
 * progressTopic('sluice', 'windowing', 'w1', 0) // 'sluice/_sys/windowing/w1/progress/0'
 * ```
 */
export function progressTopic(
  prefix: string,
  service: string,
  instance: string,
  chunk: number,
): string {
  return groupTopic(prefix, service, instance, 'progress', String(chunk))
}

/**
 * Subscription filter for the progress checkpoints of every instance of a service.
 *
 * @example
 * ```ts
 * progressFilter('sluice', 'windowing') // 'sluice/_sys/windowing/+/progress/+'
 * ```
 */
export function progressFilter(prefix: string, service: string): string {
  return `${assertPrefix(prefix)}/${SYS_SEGMENT}/${assertIdentifier('service', service)}/+/progress/+`
}

/**
 * Subscription filter for raw topics; an omitted (or `'+'`) segment matches any value.
 *
 * @example
 * ```ts
 * rawFilter('sluice')              // 'sluice/+/+/raw'
 * rawFilter('sluice', 'arduino-1') // 'sluice/arduino-1/+/raw'
 * ```
 */
export function rawFilter(prefix: string, device?: string, channel?: string): string {
  return `${assertPrefix(prefix)}/${segmentOrAny('device', device)}/${segmentOrAny('channel', channel)}/raw`
}

/**
 * Subscription filter for window topics; an omitted (or `'+'`) segment matches any value.
 *
 * @example
 * ```ts
 * windowFilter('sluice')                               // 'sluice/+/+/window/+'
 * windowFilter('sluice', undefined, undefined, 'w5s')  // 'sluice/+/+/window/w5s'
 * ```
 */
export function windowFilter(
  prefix: string,
  device?: string,
  channel?: string,
  name?: string,
): string {
  return `${assertPrefix(prefix)}/${segmentOrAny('device', device)}/${segmentOrAny('channel', channel)}/window/${segmentOrAny('window name', name)}`
}

/**
 * Subscription filter for anomaly topics.
 *
 * @example
 * ```ts
 * anomalyFilter('sluice') // 'sluice/+/+/anomaly'
 * ```
 */
export function anomalyFilter(prefix: string, device?: string, channel?: string): string {
  return `${assertPrefix(prefix)}/${segmentOrAny('device', device)}/${segmentOrAny('channel', channel)}/anomaly`
}

/**
 * Subscription filter for rate commands (what a serial bridge subscribes to).
 *
 * @example
 * ```ts
 * rateFilter('sluice', 'arduino-1') // 'sluice/arduino-1/_ctl/rate'
 * rateFilter('sluice')              // 'sluice/+/_ctl/rate'
 * ```
 */
export function rateFilter(prefix: string, device?: string): string {
  return `${assertPrefix(prefix)}/${segmentOrAny('device', device)}/${CTL_SEGMENT}/rate`
}

/**
 * Subscription filter for service status topics.
 *
 * @example
 * ```ts
 * statusFilter('sluice') // 'sluice/_sys/+/+/status'
 * ```
 */
export function statusFilter(prefix: string, service?: string, instance?: string): string {
  return `${assertPrefix(prefix)}/${SYS_SEGMENT}/${segmentOrAny('service', service)}/${segmentOrAny('instance', instance)}/status`
}

/**
 * Subscription filter for service metrics topics.
 *
 * @example
 * ```ts
 * metricsFilter('sluice', 'windowing') // 'sluice/_sys/windowing/+/metrics'
 * ```
 */
export function metricsFilter(prefix: string, service?: string, instance?: string): string {
  return `${assertPrefix(prefix)}/${SYS_SEGMENT}/${segmentOrAny('service', service)}/${segmentOrAny('instance', instance)}/metrics`
}

/**
 * Subscription filter for everything under `_sys` (status and metrics of every service), or, with a
 * service (and instance, `+` when omitted), under that service's own `_sys` subtree.
 *
 * @example
 * ```ts
 * sysFilter('sluice')                    // 'sluice/_sys/#'
 * sysFilter('sluice', 'windowing', 'w1') // 'sluice/_sys/windowing/w1/#'
 * ```
 */
export function sysFilter(prefix: string, service?: string, instance?: string): string {
  if (service === undefined) return `${assertPrefix(prefix)}/${SYS_SEGMENT}/#`
  return `${assertPrefix(prefix)}/${SYS_SEGMENT}/${segmentOrAny('service', service)}/${segmentOrAny('instance', instance)}/#`
}

/**
 * Subscription filter for every Sluice topic under the prefix.
 *
 * @example
 * ```ts
 * allFilter('sluice') // 'sluice/#'
 * ```
 */
export function allFilter(prefix: string): string {
  return `${assertPrefix(prefix)}/#`
}

/**
 * Parses a topic received under `prefix` back into its kind and parts, or returns `null` when it is not
 * a Sluice topic (other prefix, unknown shape, or an invalid identifier). Never throws on the topic.
 *
 * @example
 * ```ts
 * parseTopic('sluice', 'sluice/arduino-1/light/window/w5s')
 * // { kind: 'window', device: 'arduino-1', channel: 'light', name: 'w5s' }
 * parseTopic('sluice', 'other/arduino-1/light/raw') // null
 * ```
 */
export function parseTopic(prefix: string, topic: string): ParsedTopic | null {
  const p = assertPrefix(prefix)
  if (topic.length <= p.length + 1 || !topic.startsWith(p) || topic.charCodeAt(p.length) !== 47) {
    return null
  }
  const parts = topic.slice(p.length + 1).split('/')
  const [a, b, c, d] = parts
  if (parts.length === 2 && b === 'raw' && isIdentifier(a)) return { kind: 'device-raw', device: a }
  if (a === undefined || b === undefined || c === undefined) return null
  if (a === SYS_SEGMENT) {
    if (!isIdentifier(b) || !isIdentifier(c)) return null
    if (parts.length === 5) {
      const id = parts[4]
      const group = d === 'sensors' || d === 'handover' || d === 'progress'
      return group && isIdentifier(id) ? { kind: d, service: b, instance: c, id } : null
    }
    if (parts.length !== 4) return null
    if (d === 'status') return { kind: 'status', service: b, instance: c }
    if (d === 'metrics') return { kind: 'metrics', service: b, instance: c }
    return null
  }
  if (!isIdentifier(a)) return null
  if (b === CTL_SEGMENT) {
    return parts.length === 3 && c === 'rate' ? { kind: 'rate', device: a } : null
  }
  if (!isIdentifier(b)) return null
  if (parts.length === 3) {
    if (c === 'raw') return { kind: 'raw', device: a, channel: b }
    if (c === 'anomaly') return { kind: 'anomaly', device: a, channel: b }
    return null
  }
  if (parts.length === 4 && c === 'window' && isIdentifier(d)) {
    return { kind: 'window', device: a, channel: b, name: d }
  }
  return null
}

/** A device and one of its channels: the unit that windows, detectors and partitions are keyed by. */
export interface SensorRef {
  readonly device: string
  readonly channel: string
}

/**
 * The key of one sensor channel, `device/channel`, used for per-sensor state and for partitioning
 * instances by sensor (DESIGN.md §12).
 *
 * @example
 * ```ts
 * sensorKey('arduino-1', 'light') // 'arduino-1/light'
 * ```
 */
export function sensorKey(device: string, channel: string): string {
  return `${assertIdentifier('device', device)}/${assertIdentifier('channel', channel)}`
}

/**
 * Parses a key made by {@link sensorKey}, or returns `null` when it is not one.
 *
 * @example
 * ```ts
 * parseSensorKey('arduino-1/light') // { device: 'arduino-1', channel: 'light' }
 * parseSensorKey('nope')            // null
 * ```
 */
export function parseSensorKey(key: string): SensorRef | null {
  const slash = key.indexOf('/')
  if (slash < 0) return null
  const device = key.slice(0, slash)
  const channel = key.slice(slash + 1)
  return isIdentifier(device) && isIdentifier(channel) ? { device, channel } : null
}

/**
 * True when `topic` matches the MQTT filter `filter` [MQTT-4.7]: `+` matches one level, a trailing `#`
 * any number (including none, [MQTT-4.7.1-2]); filters starting with a wildcard do not match `$` topics
 * [MQTT-4.7.2-1]. A shared subscription `$share/{group}/{filter}` matches as its filter. The one topic
 * matcher of Sluice: hops route with it, and the broker's ACL checks with it.
 *
 * @example
 * ```ts
 * topicMatches('sluice/+/+/raw', 'sluice/dev1/temp/raw') // true
 * topicMatches('sluice/#', 'sluice') // true
 * topicMatches('#', '$SYS/broker') // false
 * ```
 */
export function topicMatches(filter: string, topic: string): boolean {
  let f = filter
  if (f.startsWith('$share/')) {
    const rest = f.indexOf('/', 7)
    f = rest < 0 ? '' : f.slice(rest + 1)
  }
  if (topic.startsWith('$') && (f.startsWith('+') || f.startsWith('#'))) return false
  const fl = f.split('/')
  const tl = topic.split('/')
  for (let i = 0; i < fl.length; i++) {
    const part = fl[i]!
    if (part === '#') return true
    if (i >= tl.length) return false
    if (part !== '+' && part !== tl[i]) return false
  }
  return fl.length === tl.length
}

/**
 * A matcher for a fixed list of filters: true when any of them matches `topic` ({@link topicMatches}).
 * It runs for every message (the broker's ACL, the forwarder's selection, a hop's routing), and topics
 * repeat (one per sensor and kind), so it remembers its answer for up to `maxTopics` topics; past that it
 * answers without remembering, so a flood of new topics costs no memory.
 *
 * @example
 * ```ts
 * const mine = createTopicMatcher(['sluice/+/+/window/#', 'sluice/+/+/anomaly'])
 * mine('sluice/dev1/temp/window/t5s') // true
 * ```
 */
export function createTopicMatcher(
  filters: Iterable<string>,
  maxTopics = 10_000,
): (topic: string) => boolean {
  const list = [...filters]
  const known = new Map<string, boolean>()
  return (topic) => {
    const cached = known.get(topic)
    if (cached !== undefined) return cached
    const m = list.some((f) => topicMatches(f, topic))
    if (known.size < maxTopics) known.set(topic, m)
    return m
  }
}
