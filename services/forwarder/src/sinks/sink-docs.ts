/**
 * @module sinks/sink-docs
 * The settings tables of docs/forwarder.md, made from the sink registry: the delivery settings every sink
 * has, and each sink type's own. The docs mark where each table goes (`<!-- sink-settings:influx -->` …
 * `<!-- /sink-settings -->`); `pnpm -F @sluice/forwarder gen:docs` rewrites them, and a test fails when
 * the docs and the registry disagree.
 */
import type { TProperties, TSchema } from '@sinclair/typebox'
import { DeliverySettings } from './define-sink.js'
import { sinkTypes } from './registry.js'

/** Where the docs are, from this file. */
export const FORWARDER_DOCS_URL = new URL('../../../../docs/forwarder.md', import.meta.url)

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ')
}

function defaultOf(schema: TSchema): string {
  const d = (schema as { default?: unknown }).default
  return d === undefined ? '—' : `\`${JSON.stringify(d)}\``
}

/** A markdown table of settings: key, default, meaning. */
export function settingsTable(settings: TProperties): string {
  const rows = Object.entries(settings).map(([key, schema]) => {
    const description = (schema as { description?: string }).description ?? ''
    return `| \`${key}\` | ${defaultOf(schema)} | ${cell(description)} |`
  })
  return ['| key | default | meaning |', '|---|---|---|', ...rows].join('\n')
}

/** Every generated table, by the name its marker gives: `delivery` and each sink type. */
export function sinkTables(): ReadonlyMap<string, string> {
  const tables = new Map<string, string>([['delivery', settingsTable(DeliverySettings)]])
  for (const s of sinkTypes) {
    tables.set(s.type, `${s.summary}\n\n${settingsTable(s.settings)}`)
  }
  return tables
}

const MARKED =
  /(<!-- sink-settings:([a-z0-9_-]+) -->\n)(?:(?!<!-- )[\s\S])*?(<!-- \/sink-settings -->)/g

/**
 * The docs with every marked table replaced by the registry's. A sink type without a marker in the docs
 * is an error, so a new sink cannot go undocumented.
 */
export function renderSinkDocs(markdown: string): string {
  const tables = sinkTables()
  const seen = new Set<string>()
  const out = markdown.replace(MARKED, (_all, open: string, name: string, close: string) => {
    const table = tables.get(name)
    if (table === undefined) throw new Error(`docs/forwarder.md has a table for no sink: "${name}"`)
    seen.add(name)
    return `${open}${table}\n${close}`
  })
  const missing = [...tables.keys()].filter((name) => !seen.has(name))
  if (missing.length > 0) {
    throw new Error(
      `docs/forwarder.md has no <!-- sink-settings:… --> section for ${missing.join(', ')}: add one`,
    )
  }
  return out
}
