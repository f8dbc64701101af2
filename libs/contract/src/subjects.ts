/**
 * @module subjects
 * MQTT topics ↔ NATS subjects, in one place (DESIGN.md §3 on NATS). Every contract topic maps one-to-one
 * onto a subject: `/` becomes `.`, the filter wildcards `+` and `#` become `*` and `>`. This is the same
 * conversion nats-server's own MQTT listener makes, so an MQTT device publishing `sluice/dev1/temp/raw`
 * through that listener lands on the subject `sluice.dev1.temp.raw`, and `mosquitto_sub` on it reads what the
 * mesh publishes on NATS. Contract identifiers never contain `.`, so nothing needs escaping.
 *
 * The JetStream streams that hold the mesh's data hops (raw samples, windows, anomaly events) are named
 * here too, with the subjects each one captures.
 */
import { assertPrefix } from './topics.js'

/**
 * The NATS subject of an MQTT topic or filter.
 *
 * @example
 * ```ts
 * topicToSubject('sluice/dev1/temp/raw') // 'sluice.dev1.temp.raw'
 * topicToSubject('sluice/+/+/raw')       // 'sluice.*.*.raw'
 * topicToSubject('sluice/#')             // 'sluice.>'
 * ```
 */
export function topicToSubject(topic: string): string {
  const levels = topic.split('/')
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i]!
    if (level === '+') levels[i] = '*'
    else if (level === '#') levels[i] = '>'
    else if (level === '' || level.includes('.') || level.includes('*') || level.includes('>')) {
      throw new RangeError(
        `The topic ${JSON.stringify(topic)} has no NATS subject: a level is empty or holds '.', '*' or '>'.`,
      )
    }
  }
  return levels.join('.')
}

/**
 * The MQTT topic (or filter) of a NATS subject: the inverse of {@link topicToSubject}.
 *
 * @example
 * ```ts
 * subjectToTopic('sluice.dev1.temp.raw') // 'sluice/dev1/temp/raw'
 * ```
 */
export function subjectToTopic(subject: string): string {
  const tokens = subject.split('.')
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i] === '*') tokens[i] = '+'
    else if (tokens[i] === '>') tokens[i] = '#'
  }
  return tokens.join('/')
}

/**
 * True when every subject `filter` matches is also matched by `pattern` (both NATS subjects with
 * wildcards): a consumer with that filter reads only what a stream with that pattern holds.
 *
 * @example
 * ```ts
 * subjectWithin('sluice.dev1.*.raw', 'sluice.*.*.raw') // true
 * subjectWithin('sluice.>', 'sluice.*.*.raw')          // false
 * ```
 */
export function subjectWithin(filter: string, pattern: string): boolean {
  const f = filter.split('.')
  const p = pattern.split('.')
  for (let i = 0; i < f.length; i++) {
    const pt = p[i]
    if (pt === undefined) return false
    if (pt === '>') return true
    const ft = f[i]!
    if (ft === '>') return false
    if (pt === '*') continue
    if (ft !== pt) return false
  }
  return f.length === p.length
}

/**
 * True when some subject matches both `a` and `b` (NATS subjects with wildcards): two consumers with
 * these filters can be handed the same message.
 *
 * @example
 * ```ts
 * subjectsOverlap('sluice.d0.c0.raw', 'sluice.*.*.raw') // true
 * subjectsOverlap('a.*.x', 'a.y.*')                     // true (a.y.x)
 * subjectsOverlap('sluice.d0.raw', 'sluice.*.*.raw')    // false
 * ```
 */
export function subjectsOverlap(a: string, b: string): boolean {
  const x = a.split('.')
  const y = b.split('.')
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const xt = x[i]!
    const yt = y[i]!
    if (xt === '>' || yt === '>') return true
    if (xt !== '*' && yt !== '*' && xt !== yt) return false
  }
  return x.length === y.length
}

/** What a JetStream stream of the mesh holds. */
export type DataStreamKind = 'raw' | 'window' | 'anomaly'

/** One JetStream stream of the mesh: its name and the subjects it captures. */
export interface DataStream {
  readonly kind: DataStreamKind
  readonly name: string
  readonly subjects: readonly string[]
}

/**
 * The JetStream streams of one topic prefix: raw samples (per channel and per device), window aggregates
 * and anomaly events. Status, metrics and the group's control messages stay on core NATS.
 *
 * @example
 * ```ts
 * dataStreams('sluice')[0] // { kind: 'raw', name: 'SLUICE_RAW', subjects: ['sluice.*.*.raw', 'sluice.*.raw'] }
 * dataStreams('site-1/sluice')[1].name // 'SITE-1_SLUICE_WINDOW'
 * ```
 */
export function dataStreams(prefix: string): readonly DataStream[] {
  const p = topicToSubject(assertPrefix(prefix))
  const base = p.replaceAll('.', '_').toUpperCase()
  return [
    { kind: 'raw', name: `${base}_RAW`, subjects: [`${p}.*.*.raw`, `${p}.*.raw`] },
    { kind: 'window', name: `${base}_WINDOW`, subjects: [`${p}.*.*.window.*`] },
    { kind: 'anomaly', name: `${base}_ANOMALY`, subjects: [`${p}.*.*.anomaly`] },
  ]
}

/**
 * The stream of `streams` whose subjects hold every subject of `filter` (a NATS subject, wildcards
 * allowed), or `undefined` when none does (the filter then reads core NATS only).
 */
export function streamOf(streams: readonly DataStream[], filter: string): DataStream | undefined {
  return streams.find((s) => s.subjects.some((pattern) => subjectWithin(filter, pattern)))
}

/**
 * The JetStream key-value bucket that holds a prefix's retained messages (statuses, the sensor registry)
 * on NATS, one key per subject.
 *
 * @example
 * ```ts
 * retainedBucket('sluice') // 'SLUICE_RETAINED'
 * ```
 */
export function retainedBucket(prefix: string): string {
  return `${topicToSubject(assertPrefix(prefix)).replaceAll('.', '_').toUpperCase()}_RETAINED`
}
