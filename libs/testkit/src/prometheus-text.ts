/**
 * @module prometheus-text
 * Reads a Prometheus text exposition (`GET /metrics`) the way a scraper does, with the
 * `parse-prometheus-text-format` package, typed here once for every suite that checks an exporter.
 * Format: https://prometheus.io/docs/instrumenting/exposition_formats/
 */
import { createRequire } from 'node:module'

/** One sample of a metric family; counters and gauges carry `value`, as text. */
export interface PrometheusSample {
  readonly value?: string
  readonly labels?: Readonly<Record<string, string>>
}

/** One metric family: its `# HELP`, `# TYPE` and samples. */
export interface PrometheusFamily {
  readonly name: string
  readonly help: string
  readonly type: string
  readonly metrics: readonly PrometheusSample[]
}

// The package ships no types; its CommonJS build is loaded and given the shape above.
const parse = createRequire(import.meta.url)('parse-prometheus-text-format') as (
  text: string,
) => PrometheusFamily[]

/**
 * Parses Prometheus text into metric families.
 *
 * @example
 * ```ts
 * const families = parsePrometheusText(await (await fetch(`${url}/metrics`)).text())
 * families.find((f) => f.name === 'sluice_hop_out_total')?.metrics[0]?.value
 * ```
 */
export function parsePrometheusText(text: string): PrometheusFamily[] {
  return parse(text)
}
