/**
 * The Prometheus side of deploy/: the pipeline-health dashboard queries only series that the services'
 * GET /metrics serves, through the provisioned Prometheus datasource, and Prometheus scrapes every Sluice
 * container of docker-compose.yml on the port they serve it on.
 */
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { MESSAGE_EXAMPLES, MessageIds, type ServiceMetrics } from '@sluice/contract'
import { startPrometheusExporter } from '@sluice/mesh'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const grafana = join(root, 'deploy', 'grafana', 'provisioning')

interface Panel {
  readonly datasource?: { readonly uid: string }
  readonly targets?: readonly { readonly expr: string }[]
}

/** The series names an exporter serves for a payload with every optional figure set. */
async function servedNames(): Promise<Set<string>> {
  const example = MESSAGE_EXAMPLES[MessageIds.metrics]
  const hop = example.hops['raw-in']!
  const payload: ServiceMetrics = {
    ...example,
    hops: {
      ...example.hops,
      'raw-in': { ...hop, sensors: 3, unsequenced: 2 },
      'sink:influx': {
        ...hop,
        direction: 'out',
        sink: {
          spoolBytes: 10,
          spoolMaxBytes: 100,
          oldestAgeMs: 0,
          sendRate: 1,
          retries: 0,
          failures: 0,
          evicted: 0,
          tornTails: 0,
        },
      },
    },
    process: { rssBytes: 1, heapUsedBytes: 1, cpuPercent: 1 },
  }
  const prom = await startPrometheusExporter({ port: 0 })
  try {
    prom.update(payload)
    const text = await prom.text()
    return new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!))
  } finally {
    await prom.close()
  }
}

describe('Grafana and Prometheus provisioning', () => {
  it('gives the pipeline-health dashboard queries of served series only, via the Prometheus datasource', async () => {
    const ds = parse(readFileSync(join(grafana, 'datasources', 'prometheus.yaml'), 'utf8')) as {
      datasources: { uid: string; type: string }[]
    }
    expect(ds.datasources[0]).toMatchObject({ type: 'prometheus' })
    const dashboard = JSON.parse(
      readFileSync(join(grafana, 'dashboards', 'pipeline-health.json'), 'utf8'),
    ) as { uid: string; panels: Panel[] }
    const served = await servedNames()
    const used = new Set<string>()
    for (const p of dashboard.panels) {
      expect(p.datasource?.uid).toBe(ds.datasources[0]!.uid)
      for (const t of p.targets ?? [])
        for (const m of t.expr.matchAll(/\bsluice_[a-z_]+/g)) used.add(m[0])
    }
    expect(used.size).toBeGreaterThan(10)
    expect([...used].filter((n) => !served.has(n))).toEqual([])
  })

  it('scrapes every Sluice container of docker-compose.yml where it serves /metrics', () => {
    const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), {
      merge: true,
    }) as {
      services: Record<string, { image?: string; command?: string[] }>
      'x-sluice': { environment: Record<string, string> }
    }
    const port = compose['x-sluice'].environment.SLUICE_PROMETHEUS_PORT
    const prom = parse(
      readFileSync(join(root, 'deploy', 'prometheus', 'prometheus.yml'), 'utf8'),
    ) as {
      scrape_configs: { static_configs: { targets: string[] }[] }[]
    }
    const targets = prom.scrape_configs.flatMap((c) => c.static_configs.flatMap((s) => s.targets))
    const ours = Object.entries(compose.services)
      .filter(([, s]) => s.image?.startsWith('sluice:'))
      .map(([name]) => `${name}:${port}`)
    expect(ours.length).toBeGreaterThan(5)
    expect(targets.sort()).toEqual(ours.sort())
    const broker = compose.services.broker!.command!
    expect(broker[broker.indexOf('--prometheus-port') + 1]).toBe(port)
  })
})
