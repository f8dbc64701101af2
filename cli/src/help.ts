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
  items?: SchemaLike
}

function typeName(s: SchemaLike): string {
  if (s.anyOf)
    // A union of objects (a detector spec by name) is one `object`, not `object|object|…`.
    return [
      ...new Set(
        s.anyOf.map((a) => (a.const !== undefined ? JSON.stringify(a.const) : typeName(a))),
      ),
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
  return listOptions(schema, prefix).map(({ path, schema: prop }) =>
    optionLine(`  --${path} <${typeName(prop)}>`, prop),
  )
}

function optionLine(flag: string, prop: SchemaLike): string {
  const def = prop.default === undefined ? '' : ` (default ${JSON.stringify(prop.default)})`
  return `${flag.padEnd(40)} ${prop.description ?? ''}${def}`.trimEnd()
}

/**
 * A union of objects told apart by a literal property (a sink by `type`, a detector by `name`), as the
 * value of an option, the entries of its list or of its map; undefined when it is not one.
 */
function discriminatedUnion(prop: SchemaLike): { key: string; branches: SchemaLike[] } | undefined {
  const union = prop.items ?? Object.values(prop.patternProperties ?? {})[0] ?? prop
  const branches = union.anyOf
  const first = branches?.[0]?.properties
  if (branches === undefined || first === undefined) return undefined
  const key = Object.keys(first).find((k) =>
    branches.every((b) => b.properties?.[k]?.const !== undefined),
  )
  return key === undefined ? undefined : { key, branches }
}

/**
 * The settings of each kind of a discriminated option (`sinks` by type, `detector` by name), from the
 * schema the registry made: those every kind has once, then each kind's own.
 */
export function describeVariants(schema: TSchema): string[] {
  const out: string[] = []
  const described = new Map<string, string>()
  for (const { path, schema: prop } of listOptions(schema)) {
    const union = discriminatedUnion(prop)
    if (union === undefined) continue
    const { key, branches } = union
    // `sensors` holds the same kinds of detector as `detector`: list them once.
    const kinds = `${key}:${branches.map((b) => String(b.properties?.[key]?.const)).join(',')}`
    const same = described.get(kinds)
    if (same !== undefined) {
      out.push('', `${path}: each entry as ${same} above.`)
      continue
    }
    described.set(kinds, path)
    const keys = branches.map((b) => Object.keys(b.properties ?? {}).filter((k) => k !== key))
    const shared = keys[0]?.filter((k) => keys.every((ks) => ks.includes(k))) ?? []
    out.push('', `${path}, by ${key}:`)
    if (shared.length > 0) {
      out.push(`  every ${key}:`)
      for (const k of shared) {
        const sub = branches[0]?.properties?.[k] ?? {}
        out.push(optionLine(`    ${k} <${typeName(sub)}>`, sub))
      }
    }
    for (const branch of branches) {
      const name = String(branch.properties?.[key]?.const)
      out.push(
        `  ${key}: ${name}${branch.description === undefined ? '' : `  ${branch.description}`}`,
      )
      for (const [k, sub] of Object.entries(branch.properties ?? {})) {
        if (k !== key && !shared.includes(k))
          out.push(optionLine(`    ${k} <${typeName(sub)}>`, sub))
      }
    }
  }
  return out
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
    ...describeVariants(own),
    '',
    'Common options:',
    ...describeOptions(common),
    '  --hops.<hop>.qos <0|1|2>                 override a hop’s QoS',
    '  --hops.<hop>.queue.capacity <n>          override a hop’s queue capacity (samples)',
    '  --hops.<hop>.queue.policy <p>            drop-oldest | drop-newest | sample | block',
    '  --hops.<hop>.serviceRate <n>             inbound: at most n samples/s (a consumer slowed on purpose)',
  ].join('\n')
}
