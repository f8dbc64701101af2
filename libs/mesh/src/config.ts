/**
 * @module config
 * Service configuration, read once at start (STYLE.md, Config; DESIGN.md §12): the defaults held by a
 * TypeBox schema, then a YAML file (`--config path`), then `SLUICE_*` environment variables, then flags
 * (`--broker mqtt://…`, `--hops.raw.queue.capacity 5000` or `=5000`). The merged value is converted
 * (strings from env and flags become numbers and booleans as the schema says), validated, and deep-frozen.
 * The default of a record or an open object (`additionalProperties`) is replaced by the user's value, not
 * merged into it as TypeBox's `Value.Default` would: a user's `windows: { w1: … }` is all the windows.
 * A bad config throws one {@link MeshConfigError} listing every problem at once.
 *
 * Environment names map onto the schema: `SLUICE_METRICS_INTERVAL_MS` → `metricsIntervalMs` (underscores
 * and case ignored against the schema's keys), `__` separates levels: `SLUICE_HOPS__RAW__QUEUE__CAPACITY`.
 * Inside a record such as `hops`, `_` in a key stands for `-` (`RAW_IN` → `raw-in`). Unknown `SLUICE_*`
 * names are ignored (other tools share the prefix); unknown flags and file keys are errors (typos).
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { hostname } from 'node:os'
import { Type, type Static, type TObject, type TSchema } from '@sinclair/typebox'
import { Value, ValueErrorType, type ValueError } from '@sinclair/typebox/value'
import { HopPolicySchema } from '@sluice/contract'
import { MeshConfigError, MeshConfigFileError, type ConfigIssue } from './errors.js'
import { NatsConfigSchema } from './transport/nats/nats-config.js'

/** QoS levels [MQTT-4.3]. */
export const QosSchema = Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2)])

/** A hop's queue policy (DESIGN.md §5): the contract's schema, so config and metrics cannot disagree. */
export const QueuePolicySchema = HopPolicySchema

/** Per-hop overrides in config: anything left out keeps the hop's declared value. */
export const HopConfigSchema = Type.Object(
  {
    qos: Type.Optional(QosSchema),
    ack: Type.Optional(
      Type.Union([Type.Literal('enqueue'), Type.Literal('handled')], {
        description:
          'Inbound QoS ≥ 1 hops: acknowledge once queued (enqueue) or once handled and confirmed ' +
          '(handled, at least once across a crash; the default on a persistent session).',
      }),
    ),
    serviceRate: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        description:
          'Inbound hops: hand at most this many samples per second to the service, one at a time (a ' +
          'consumer slowed on purpose, for labs and tests: `sluice lab backpressure`). Default: no limit.',
      }),
    ),
    queue: Type.Optional(
      Type.Object(
        {
          capacity: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000_000 })),
          policy: Type.Optional(QueuePolicySchema),
        },
        { additionalProperties: false },
      ),
    ),
    maxAheadMs: Type.Optional(
      Type.Integer({
        minimum: 0,
        description:
          'Inbound hops: samples whose event time is more than this far ahead of the clock are ' +
          'dropped as `future` (default 60 000; 0 = no check, e.g. to replay a recording shifted ' +
          'into the future).',
      }),
    ),
  },
  { additionalProperties: false },
)

/** Per-hop overrides. */
export type HopConfig = Static<typeof HopConfigSchema>

/** The config every service gets, with its defaults. */
export const CommonConfigSchema = Type.Object({
  broker: Type.String({
    default: 'mqtt://127.0.0.1:1883',
    pattern: '^(mqtts?|wss?|tcp|ssl|nats|tls)://',
    description:
      'Broker URL: mqtt://host:port, mqtts://, ws:// or wss://; or NATS with JetStream: ' +
      'nats://host:4222 (several seeds comma-separated) or tls://host:4222.',
  }),
  nats: NatsConfigSchema,
  username: Type.Optional(
    Type.String({ description: 'Broker user name (see sluice broker passwd).' }),
  ),
  password: Type.Optional(
    Type.String({ description: 'Broker password; prefer SLUICE_PASSWORD to a flag.' }),
  ),
  prefix: Type.String({
    default: 'sluice',
    pattern: '^[a-z0-9][a-z0-9_-]*(/[a-z0-9][a-z0-9_-]*)*$',
    description: 'Topic prefix {p} of every topic ({p}/{device}/{channel}/raw, …).',
  }),
  group: Type.String({
    default: '',
    pattern: '^([a-z0-9][a-z0-9_-]*)?$',
    description:
      'Scale-out group; defaults to the service name. Instances of a service in the same group share ' +
      'the sensors between them (docs/scale-out.md).',
  }),
  weight: Type.Number({
    exclusiveMinimum: 0,
    maximum: 1000,
    default: 1,
    description:
      "This instance's share of its group, relative to the others' (a laptop at 3 takes three times " +
      "a Pi's share at 1).",
  }),
  instance: Type.String({
    default: '',
    pattern: '^([a-z0-9][a-z0-9_-]*)?$',
    description: 'Instance id; defaults to <hostname>-<pid>.',
  }),
  session: Type.Union([Type.Literal('clean'), Type.Literal('persistent')], {
    default: 'clean',
    description:
      'persistent: clean=false with clientId sluice-<service>-<instance>, so QoS ≥ 1 survives a restart.',
  }),
  logLevel: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info', description: 'Least severe log level written to stdout.' },
  ),
  prometheusPort: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 65_535,
      description: 'Serve GET /metrics (Prometheus text format) on this port; off when unset.',
    }),
  ),
  prometheusHost: Type.String({
    default: '127.0.0.1',
    description: 'Address of the /metrics endpoint (loopback unless told otherwise).',
  }),
  metricsIntervalMs: Type.Integer({
    default: 1000,
    minimum: 50,
    description: 'How often the hop metrics are published ({p}/_sys/{service}/{instance}/metrics).',
  }),
  shutdownTimeoutMs: Type.Integer({
    default: 5000,
    minimum: 0,
    description:
      'Bound on the whole graceful stop (drain, flush, offline status, disconnect); what the broker ' +
      'has not acknowledged by then is left to the last will and the persistent session.',
  }),
  scaleOut: Type.Object(
    {
      settleMs: Type.Integer({
        minimum: 0,
        maximum: 60_000,
        default: 500,
        description:
          "A change of the group's members is acted on once it has held this long (instances started " +
          'together cause one rebalance).',
      }),
      graceMs: Type.Integer({
        minimum: 0,
        maximum: 600_000,
        default: 10_000,
        description:
          'After this instance reconnects (a broker restart), a member not heard from again is kept ' +
          'this long before its sensors move.',
      }),
      overlapMs: Type.Integer({
        minimum: 0,
        maximum: 60_000,
        default: 1000,
        description:
          'On a move, the old owner keeps taking the sensor this long after the new owner subscribed, ' +
          'so no sample falls between them; the new owner drops the duplicates (counted as overlap).',
      }),
      handoverTimeoutMs: Type.Integer({
        minimum: 0,
        maximum: 600_000,
        default: 5000,
        description:
          "How long a new owner waits for the old owner's state before it starts the sensor fresh.",
      }),
      checkpointMs: Type.Integer({
        minimum: 100,
        maximum: 600_000,
        default: 2000,
        description:
          'How often each member publishes its retained progress checkpoint (the last sequence number ' +
          "per owned sensor), from which a crash's loss is counted.",
      }),
    },
    {
      default: {},
      description: "Timing of the group's membership and handovers (docs/scale-out.md).",
    },
  ),
  hops: Type.Record(Type.String({ pattern: '^[a-z0-9][a-z0-9_-]*$' }), HopConfigSchema, {
    default: {},
    description:
      'Per-hop overrides of QoS and queue, keyed by hop name (the --hops.<hop>… flags below).',
  }),
})

/** The common config. */
export type CommonConfig = Static<typeof CommonConfigSchema>

/** Where {@link loadConfig} reads from. */
export interface LoadConfigOptions<S extends TObject> {
  /** The service's own schema (with defaults); merged with {@link CommonConfigSchema}. */
  readonly schema: S
  /** The service name: the default `group`. */
  readonly service: string
  /** Command-line arguments (without `node` and the script). Default none. */
  readonly argv?: readonly string[]
  /** Environment. Default none (pass `process.env` in a service). */
  readonly env?: Readonly<Record<string, string | undefined>>
  /** A config file path; `--config` in argv wins. */
  readonly file?: string
  /** Values applied last of all (for in-process use and tests). */
  readonly overrides?: Record<string, unknown>
}

/** The service's config type: its own schema's fields and the common ones. */
export type ServiceConfig<S extends TObject> = Readonly<Static<S> & CommonConfig>

type Json = Record<string, unknown>

function isPlainObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function deepMerge(target: Json, source: Json): Json {
  const out: Json = { ...target }
  for (const [k, v] of Object.entries(source)) {
    const prev = out[k]
    out[k] = isPlainObject(prev) && isPlainObject(v) ? deepMerge(prev, v) : v
  }
  return out
}

function setPath(obj: Json, path: readonly string[], value: unknown): void {
  let o = obj
  for (let i = 0; i < path.length - 1; i++) {
    const k = path[i]!
    const next = o[k]
    if (isPlainObject(next)) o = next
    else {
      const created: Json = {}
      o[k] = created
      o = created
    }
  }
  o[path[path.length - 1]!] = value
}

/** Deep-freezes a plain value in place and returns it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const v of Object.values(value)) deepFreeze(v)
  }
  return value
}

interface ParsedArgv {
  readonly values: Json
  readonly configFile: string | undefined
  readonly issues: ConfigIssue[]
  /** The words that are neither a flag nor its value, and every word after `--`. */
  readonly positionals: string[]
}

/**
 * Parses `--key value`, `--key=value`, `--a.b.c value`, a bare `--flag` (true) and `--no-flag` (false).
 * Positional arguments (and everything after `--`) are collected for the caller to use or refuse.
 */
function parseArgv(argv: readonly string[]): ParsedArgv {
  const values: Json = {}
  const issues: ConfigIssue[] = []
  const positionals: string[] = []
  let configFile: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1))
      break
    }
    if (!arg.startsWith('--')) {
      positionals.push(arg)
      continue
    }
    let key = arg.slice(2)
    let value: unknown
    const eq = key.indexOf('=')
    if (eq >= 0) {
      value = key.slice(eq + 1)
      key = key.slice(0, eq)
    } else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) {
      value = argv[++i]
    } else if (key.startsWith('no-')) {
      key = key.slice(3)
      value = false
    } else {
      value = true
    }
    if (key === 'config') {
      if (typeof value === 'string') configFile = value
      else issues.push({ path: 'config', message: 'needs a file path: --config sluice.yaml' })
      continue
    }
    setPath(values, key.split('.'), value)
  }
  return { values, configFile, issues, positionals }
}

/** The issue for positional words a command does not take (`sluice up foo`). */
function positionalIssue(positionals: readonly string[]): ConfigIssue[] {
  if (positionals.length === 0) return []
  const words = positionals.map((w) => JSON.stringify(w)).join(', ')
  return [
    {
      path: '/',
      message:
        `unexpected argument${positionals.length === 1 ? '' : 's'} ${words}: this command takes ` +
        'only options (--key value)',
    },
  ]
}

function normaliseName(s: string): string {
  return s.toLowerCase().replace(/[_-]/g, '')
}

/** Finds the schema's property for an env segment, or the record key for it. */
function envSegmentKey(
  schema: TSchema | undefined,
  segment: string,
): [string, TSchema | undefined] {
  const s = schema as {
    properties?: Record<string, TSchema>
    patternProperties?: Record<string, TSchema>
  }
  if (s?.properties !== undefined) {
    for (const [name, sub] of Object.entries(s.properties)) {
      if (normaliseName(name) === normaliseName(segment)) return [name, sub]
    }
    return ['', undefined]
  }
  if (s?.patternProperties !== undefined) {
    const sub = Object.values(s.patternProperties)[0]
    return [segment.toLowerCase().replace(/_/g, '-'), sub]
  }
  return ['', undefined]
}

function parseEnv(schema: TSchema, env: Readonly<Record<string, string | undefined>>): Json {
  const values: Json = {}
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('SLUICE_') || value === undefined) continue
    const segments = name.slice('SLUICE_'.length).split('__')
    const path: string[] = []
    let sub: TSchema | undefined = schema
    for (const seg of segments) {
      const [key, next] = envSegmentKey(sub, seg)
      if (key === '') {
        sub = undefined
        break
      }
      path.push(key)
      sub = next
    }
    if (sub !== undefined && path.length > 0) setPath(values, path, value)
  }
  return values
}

/**
 * The YAML parser, loaded on the first config file (about 9 MB of RSS a service started with flags alone
 * never needs; issue 16). `yaml` ships CommonJS for Node, so a synchronous require loads it.
 */
function parseYaml(text: string): unknown {
  const yaml = createRequire(import.meta.url)('yaml') as typeof import('yaml')
  return yaml.parse(text)
}

function readConfigFile(file: string): Json {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw new MeshConfigFileError(
      file,
      `Cannot read config file ${file}: ${(err as Error).message}. Check the --config path.`,
      { cause: err },
    )
  }
  let doc: unknown
  try {
    doc = parseYaml(text)
  } catch (err) {
    throw new MeshConfigFileError(
      file,
      `Config file ${file} is not valid YAML: ${(err as Error).message}`,
      { cause: err },
    )
  }
  if (doc === null || doc === undefined) return {}
  if (!isPlainObject(doc)) {
    throw new MeshConfigFileError(
      file,
      `Config file ${file} must hold a mapping of options at its top.`,
    )
  }
  return doc
}

function unknownKeys(schema: TObject, values: Json, source: string): ConfigIssue[] {
  const known = new Set(Object.keys(schema.properties))
  return Object.keys(values)
    .filter((k) => !known.has(k))
    .map((k) => ({
      path: k,
      message: `unknown option (from ${source}); known: ${[...known].join(', ')}`,
    }))
}

/** A record, or an object open to more keys: its default is a set of entries, not field defaults. */
function isOpenMap(schema: TSchema): boolean {
  const s = schema as {
    patternProperties?: unknown
    additionalProperties?: unknown
    type?: unknown
  }
  return (
    s.patternProperties !== undefined ||
    (s.type === 'object' &&
      s.additionalProperties !== undefined &&
      s.additionalProperties !== false)
  )
}

/**
 * The schema without the defaults of records and open objects, through nested object properties.
 * TypeBox's `Value.Default` merges an object default into a given value
 * (`Object.assign(clone(default), value)`, value/default/default.mjs `ValueOrDefault`): right for field
 * defaults, wrong for a map such as `windows`, where the user's entries must replace the default ones.
 */
function withoutMapDefaults(schema: TSchema): TSchema {
  let out = schema
  if (isOpenMap(schema) && 'default' in schema) {
    const copy: Record<string | symbol, unknown> = { ...schema }
    delete copy.default
    out = copy as unknown as TSchema
  }
  const props = (out as { properties?: Record<string, TSchema> }).properties
  if (props !== undefined) {
    let changed = false
    const next: Record<string, TSchema> = {}
    for (const [k, sub] of Object.entries(props)) {
      next[k] = withoutMapDefaults(sub)
      if (next[k] !== sub) changed = true
    }
    if (changed) out = { ...out, properties: next }
  }
  return out
}

/**
 * Puts a map's default where the value has none (replacing, never merging; see
 * {@link withoutMapDefaults}), and gives every entry of a record its field defaults: `Value.Default`
 * visits a record's entries only when the entry schema itself has a default, so a user's time window
 * would otherwise miss its `allowedLateness: 0`.
 */
function fillMapDefaults(schema: TSchema, value: Json): void {
  const s = schema as {
    properties?: Record<string, TSchema>
    patternProperties?: Record<string, TSchema>
  }
  if (s.properties !== undefined) {
    for (const [k, sub] of Object.entries(s.properties)) {
      const v = value[k]
      if (v === undefined && isOpenMap(sub) && 'default' in sub) {
        value[k] = structuredClone(sub.default as unknown)
      }
      const filled = value[k]
      if (isPlainObject(filled)) fillMapDefaults(sub, filled)
    }
  }
  const entry =
    s.patternProperties === undefined ? undefined : Object.values(s.patternProperties)[0]
  if (entry !== undefined) {
    for (const [k, v] of Object.entries(value)) {
      const defaulted = defaultEntry(entry, v)
      value[k] = defaulted
      if (isPlainObject(defaulted)) fillMapDefaults(entry, defaulted)
    }
  }
}

/**
 * Converts and defaults one record entry. For a union each branch is tried on its own, because
 * TypeBox's `Convert` and `Default` of a union keep only a result that already passes the branch: a
 * time window given as flags (`"1000"` strings) and without `allowedLateness` passes no branch until
 * it is both converted and defaulted.
 */
function defaultEntry(schema: TSchema, value: unknown): unknown {
  const branches = (schema as { anyOf?: TSchema[] }).anyOf ?? [schema]
  for (const branch of branches) {
    const r: unknown = Value.Default(
      withoutMapDefaults(branch),
      Value.Convert(branch, structuredClone(value)),
    )
    if (Value.Check(branch, r)) return r
  }
  return value
}

/** A JSON pointer (`/sensors/pump~1temp/window`) as a dotted path (`sensors.pump/temp.window`). */
function pointerToPath(pointer: string): string {
  if (pointer === '') return '/'
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.')
}

/** A union of literals reads better as its list of allowed values than as "Expected union value". */
function describeError(schema: TSchema, message: string): string {
  const anyOf = (schema as { anyOf?: { const?: unknown }[] }).anyOf
  if (anyOf !== undefined && anyOf.every((s) => s.const !== undefined)) {
    return `expected one of ${anyOf.map((s) => JSON.stringify(s.const)).join(', ')}`
  }
  return message
}

interface ObjectSchemaLike {
  readonly type?: unknown
  readonly title?: unknown
  readonly properties?: Record<string, { const?: unknown }>
}

/**
 * The property that tells the branches of a union of objects apart (a literal in every branch, such as a
 * detector spec's `name`), or undefined when the union is not discriminated.
 */
function discriminator(branches: readonly ObjectSchemaLike[]): string | undefined {
  const first = branches[0]?.properties
  if (first === undefined) return undefined
  return Object.keys(first).find((key) =>
    branches.every((b) => b.type === 'object' && b.properties?.[key]?.const !== undefined),
  )
}

function issue(path: string, message: string, value: unknown): ConfigIssue {
  return {
    path: pointerToPath(path),
    message: `${message} (got ${JSON.stringify(value) ?? 'nothing'})`,
  }
}

/**
 * The problems one TypeBox error stands for. A discriminated union (`{ name: 'zscore', … }` among the
 * detectors) reports the errors of the branch its value names, or the names it may take, rather than
 * "Expected union value"; an unexpected property names the object (its `title`) and its known keys.
 */
function issuesOf(e: ValueError): ConfigIssue[] {
  const branches = (e.schema as { anyOf?: ObjectSchemaLike[] }).anyOf ?? []
  const key = e.type === ValueErrorType.Union ? discriminator(branches) : undefined
  if (key !== undefined) {
    const keyPath = `${e.path}/${key}`
    const chosen = e.errors
      .map((it) => [...it])
      .filter((errs) => !errs.some((x) => x.path === keyPath))
    if (chosen.length === 1) return chosen[0]!.flatMap(issuesOf)
    const names = branches.map((b) => JSON.stringify(b.properties?.[key]?.const)).join(', ')
    if (typeof e.value !== 'object' || e.value === null || Array.isArray(e.value)) {
      return [issue(e.path, `expected an object whose ${key} is one of ${names}`, e.value)]
    }
    const value = (e.value as Record<string, unknown>)[key]
    return [issue(keyPath, `expected one of ${names}`, value)]
  }
  if (e.type === ValueErrorType.ObjectAdditionalProperties) {
    const object = e.schema as ObjectSchemaLike
    const of = typeof object.title === 'string' ? ` of ${object.title}` : ''
    const known = Object.keys(object.properties ?? {}).join(', ')
    return [issue(e.path, `unknown option${of}; known: ${known}`, e.value)]
  }
  return [issue(e.path, describeError(e.schema, e.message), e.value)]
}

/** A host name made into a valid identifier (lower-case, anything else becomes `-`). */
function hostIdentifier(): string {
  const h = hostname()
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[-_]+/, '')
  return h === '' ? 'host' : h
}

/** Where {@link loadOptions} reads from: {@link LoadConfigOptions} without the service. */
export interface LoadOptionsOptions<S extends TObject> {
  /** The schema (with defaults). */
  readonly schema: S
  readonly argv?: readonly string[]
  readonly env?: Readonly<Record<string, string | undefined>>
  readonly file?: string
  readonly overrides?: Record<string, unknown>
  /**
   * Refuse positional words (`sluice up foo`, anything after `--`) with a problem naming them. By
   * default they are left to the caller (a service's subcommand words, for instance).
   */
  readonly refusePositionals?: boolean
  /**
   * Rules across options that the schema cannot say (two flags that go together), each broken one an
   * issue. Run on the merged values even when they break the schema, so its problems are listed with
   * the schema's (after them): read each value as `unknown`.
   */
  readonly check?: (values: Readonly<Record<string, unknown>>) => readonly ConfigIssue[]
}

/**
 * Reads, merges, converts, validates and freezes options against any schema: the one loader behind every
 * service's config ({@link loadConfig}) and the commands that are not services (`sluice up`, `sluice
 * broker`). A YAML file (`--config`), then `SLUICE_*` variables, then flags; every problem at once.
 *
 * @throws MeshConfigError listing every problem; MeshConfigFileError when the file cannot be read.
 * @example
 * ```ts
 * const schema = Type.Object({ port: Type.Integer({ default: 1883 }) })
 * loadOptions({ schema, argv: ['--port', '2883'] }).port // 2883
 * ```
 */
export function loadOptions<S extends TObject>(options: LoadOptionsOptions<S>): Static<S> {
  const { schema } = options
  const args = parseArgv(options.argv ?? [])
  const file = args.configFile ?? options.file
  const fromFile = file === undefined ? {} : readConfigFile(file)
  const fromEnv = parseEnv(schema, options.env ?? {})
  const issues: ConfigIssue[] = [
    ...args.issues,
    ...unknownKeys(schema, fromFile, `file ${file ?? ''}`),
    ...unknownKeys(schema, args.values, 'flags'),
    ...(options.refusePositionals === true ? positionalIssue(args.positionals) : []),
  ]
  let merged = deepMerge(
    deepMerge(deepMerge(fromFile, fromEnv), args.values),
    options.overrides ?? {},
  )
  merged = Value.Convert(schema, merged) as Json
  // Field defaults first (never merging a map's default into the user's map), then map defaults where
  // nothing was given, then the field defaults inside those.
  const fieldDefaults = withoutMapDefaults(schema)
  merged = Value.Default(fieldDefaults, merged) as Json
  fillMapDefaults(schema, merged)
  merged = Value.Default(fieldDefaults, merged) as Json
  for (const found of [...Value.Errors(schema, merged)].flatMap(issuesOf)) {
    // TypeBox reports a union twice (once per branch); one line per path and message is enough.
    if (!issues.some((i) => i.path === found.path && i.message === found.message)) {
      issues.push(found)
    }
  }
  if (options.check !== undefined) issues.push(...options.check(merged))
  if (issues.length > 0) throw new MeshConfigError(issues)
  return deepFreeze(merged)
}

/**
 * Reads, merges, converts, validates and freezes a service's config: {@link loadOptions} over the
 * service's schema and the common one, with the group and instance filled in.
 *
 * @example
 * ```ts
 * const schema = Type.Object({ windowMs: Type.Integer({ default: 5000, minimum: 1 }) })
 * const config = loadConfig({ schema, service: 'windowing', argv: process.argv.slice(2), env: process.env })
 * config.broker // 'mqtt://127.0.0.1:1883' unless overridden
 * ```
 */
export function loadConfig<S extends TObject>(options: LoadConfigOptions<S>): ServiceConfig<S> {
  const schema = Type.Composite([CommonConfigSchema, options.schema])
  const loaded = loadOptions({ ...options, schema }) as Json
  return deepFreeze({
    ...loaded,
    group: loaded.group === '' ? options.service : loaded.group,
    instance: loaded.instance === '' ? `${hostIdentifier()}-${process.pid}` : loaded.instance,
  }) as ServiceConfig<S>
}
