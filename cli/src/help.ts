/**
 * @module help
 * `--help` for every service command, generated from the service's config schema and the common one, so
 * the help text can never disagree with what the config loader accepts.
 */
import type { TSchema } from '@sinclair/typebox'

/** The parts of a JSON Schema the help reads. */
export interface SchemaLike {
  type?: string
  description?: string
  default?: unknown
  properties?: Record<string, SchemaLike>
  anyOf?: SchemaLike[]
  const?: unknown
  patternProperties?: Record<string, SchemaLike>
}

function typeName(s: SchemaLike): string {
  if (s.anyOf)
    // A union of objects (a detector spec by name) is one `object`, not `object|object|…`.
    return [
      ...new Set(s.anyOf.map((a) => (a.const !== undefined ? JSON.stringify(a.const) : typeName(a)))),
    ].join('|')
  if (s.patternProperties) return 'map'
  return s.type ?? 'value'
}

/** One leaf option of a config schema: its dotted path and its schema. */
export interface OptionEntry {
  readonly path: string
  readonly schema: SchemaLike
}

/** Every leaf option of `schema`, nested objects flattened to dotted paths (`governor.high`). */
export function listOptions(schema: TSchema, prefix = ''): OptionEntry[] {
  const s = schema as SchemaLike
  const out: OptionEntry[] = []
  for (const [key, prop] of Object.entries(s.properties ?? {})) {
    const path = `${prefix}${key}`
    if (prop.type === 'object' && prop.properties && !prop.anyOf)
      out.push(...listOptions(prop as TSchema, `${path}.`))
    else out.push({ path, schema: prop })
  }
  return out
}

/** One line per leaf option, `--a.b <type>  description (default …)`. */
export function describeOptions(schema: TSchema, prefix = ''): string[] {
  return listOptions(schema, prefix).map(({ path, schema: prop }) => {
    const def = prop.default === undefined ? '' : ` (default ${JSON.stringify(prop.default)})`
    const flag = `  --${path} <${typeName(prop)}>`
    return `${flag.padEnd(40)} ${prop.description ?? ''}${def}`.trimEnd()
  })
}

/** The full help text of a service command. */
export function serviceHelp(
  command: string,
  summary: string,
  own: TSchema,
  common: TSchema,
  extra: readonly string[] = [],
): string {
  return [
    `Usage: sluice ${command} [--config file.yaml] [--key value …]`,
    ...extra,
    '',
    summary,
    '',
    'Config is read from the YAML file, then SLUICE_* environment variables, then these flags',
    '(nested keys with dots; SLUICE_A__B for a.b). Every problem is listed at once.',
    '',
    'Service options:',
    ...describeOptions(own),
    '',
    'Common options:',
    ...describeOptions(common),
    '  --hops.<hop>.qos <0|1|2>                 override a hop’s QoS',
    '  --hops.<hop>.queue.capacity <n>          override a hop’s queue capacity (samples)',
    '  --hops.<hop>.queue.policy <p>            drop-oldest | drop-newest | sample | block',
    '  --hops.<hop>.serviceRate <n>             inbound: at most n samples/s (a consumer slowed on purpose)',
  ].join('\n')
}
