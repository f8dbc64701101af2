import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { INFLUX_SCHEMA } from './influx-points.js'

// deploy/grafana is provisioned against what this sink writes: every measurement, field and tag a query
// of the dashboard names must be one toPoints writes (INFLUX_SCHEMA), or the panel is silently empty.
const dashboardPath = fileURLToPath(
  new URL('../../../../deploy/grafana/provisioning/dashboards/sluice.json', import.meta.url),
)

interface Target {
  query?: string
}
interface Panel {
  type: string
  title: string
  targets?: Target[]
  panels?: Panel[]
}
interface Dashboard {
  panels: Panel[]
  templating: { list: { name: string; query: string }[] }
  annotations: {
    list: { name: string; query?: string; tagsColumn?: string; textColumn?: string }[]
  }
}

const dashboard = JSON.parse(readFileSync(dashboardPath, 'utf8')) as Dashboard
const allPanels = (ps: Panel[]): Panel[] => ps.flatMap((p) => [p, ...allPanels(p.panels ?? [])])

type Measurement = keyof typeof INFLUX_SCHEMA
const isMeasurement = (m: string): m is Measurement => m in INFLUX_SCHEMA

/** The measurement and the identifiers a query names, split into SELECT-clause and the rest. */
function parse(q: string): { measurement: string; selected: string[]; others: string[] } {
  const from = /\bFROM\s+"([^"]+)"/.exec(q)
  if (from === null) throw new Error(`no FROM "measurement" in ${q}`)
  const quoted = (s: string): string[] =>
    [...s.replace(/\bAS\s+"[^"]+"/g, '').matchAll(/"([^"]+)"/g)].map((m) => m[1]!)
  const head = q.slice(0, from.index)
  const tail = q.slice(from.index + from[0].length)
  return { measurement: from[1]!, selected: quoted(head), others: quoted(tail) }
}

const queries: { where: string; query: string }[] = [
  ...allPanels(dashboard.panels).flatMap((p) =>
    (p.targets ?? []).map((t) => ({ where: `panel "${p.title}"`, query: t.query ?? '' })),
  ),
  ...dashboard.annotations.list
    .filter((a) => a.query !== undefined)
    .map((a) => ({ where: `annotation "${a.name}"`, query: a.query! })),
  ...dashboard.templating.list.map((v) => ({ where: `variable $${v.name}`, query: v.query })),
]

describe('Grafana dashboard', () => {
  it('has the panels the deployment promises', () => {
    const titles = allPanels(dashboard.panels).map((p) => p.title)
    for (const t of [
      'Raw value',
      'Window mean ± std',
      'Anomalies',
      'Arrival rate λ per hop',
      'Queue fill',
      'Drops per interval',
      'Latency p99 from ingest',
    ])
      expect(titles).toContain(t)
  })

  it.each(queries)(
    '$where queries only measurements, fields and tags the InfluxDB sink writes',
    ({ query }) => {
      expect(query).not.toBe('')
      const { measurement, selected, others } = parse(query)
      expect(isMeasurement(measurement), `unknown measurement ${measurement}`).toBe(true)
      if (!isMeasurement(measurement)) return
      const schema = INFLUX_SCHEMA[measurement]
      const fields: string[] = Object.keys(schema.fields)
      const tags: readonly string[] = schema.tags
      if (query.startsWith('SHOW TAG VALUES')) {
        const key = /WITH KEY = "([^"]+)"/.exec(query)?.[1]
        expect(tags).toContain(key)
        for (const id of others) expect([...tags, ...fields], `${id} in ${query}`).toContain(id)
        return
      }
      // SELECT may name fields, and tags too (annotations read level/kind as tag columns).
      for (const id of selected) expect([...fields, ...tags], `${id} in ${query}`).toContain(id)
      expect(
        selected.some((id) => fields.includes(id)),
        `no field selected in ${query}`,
      ).toBe(true)
      // WHERE and GROUP BY name tags.
      for (const id of others) expect(tags, `${id} in ${query}`).toContain(id)
    },
  )

  it('annotates with columns the anomaly measurement has', () => {
    const a = dashboard.annotations.list.find((x) => x.name === 'Anomalies')!
    const schema = INFLUX_SCHEMA.sluice_anomaly
    const cols = [...schema.tags, ...Object.keys(schema.fields)]
    for (const c of [a.textColumn!, ...a.tagsColumn!.split(',')]) expect(cols).toContain(c)
  })
})
