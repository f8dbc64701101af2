/**
 * @module bench/run-all
 * `pnpm bench`: runs every benchmark script under `bench/<area>/`, one after the other (they share two
 * cores, so never in parallel), then rebuilds `docs/performance.md` and its SVG plots from
 * `bench/results/*.json`. Benchmarks report; they never fail on a timing.
 *
 * Usage: `node --conditions=sluice-src --import tsx bench/run-all.ts [--only name,name] [--docs-only]
 * [--quick]`. `--quick` is passed on to every script (those that know it run shorter: a smoke run of the
 * harness, not numbers to publish).
 *
 * Besides one table per results file, the page gets a bar chart per unit of each file, a line chart for
 * every row that carries `series` (e.g. RSS over time), and a "Targets" table built from the results of
 * issue 7's scenarios, so the summary is never typed in by hand.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { basename, dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import type { BenchResult } from './lib/results.js'
import { resultsDir } from './lib/results.js'
import { barChart, formatSi, lineChart, type LineSeries } from '@sluice/plot'
import { targetsSection } from './lib/targets.js'

const benchDir = dirname(fileURLToPath(import.meta.url))
const root = join(benchDir, '..')
const docsDir = join(root, 'docs')
const imgDir = join(docsDir, 'img', 'bench')

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    'docs-only': { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
  },
})

function scripts(): string[] {
  const out: string[] = []
  for (const area of readdirSync(benchDir)) {
    const dir = join(benchDir, area)
    if (
      area === 'lib' ||
      area === 'results' ||
      area === 'node_modules' ||
      !statSync(dir).isDirectory()
    )
      continue
    for (const f of readdirSync(dir))
      if (f.endsWith('.ts') && !f.endsWith('.test.ts')) out.push(join(dir, f))
  }
  return out.sort()
}

if (!values['docs-only']) {
  const only = values.only?.split(',')
  for (const script of scripts()) {
    const name = basename(script, '.ts')
    if (only && !only.includes(name)) continue
    const rel = relative(root, script)
    console.log(`\n=== ${rel}`)
    const started = Date.now()
    const args = [
      '--conditions=sluice-src',
      '--import',
      'tsx',
      rel,
      ...(values.quick ? ['--quick'] : []),
    ]
    const r = spawnSync(process.execPath, args, {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' },
    })
    if (r.status !== 0)
      console.error(`!!! ${rel} exited with ${r.status ?? r.signal}: its results are stale`)
    console.log(`=== ${rel}: ${((Date.now() - started) / 1000).toFixed(0)} s`)
  }
}

function table(res: BenchResult): string {
  // Arrays and objects (e.g. a plotted `series`) are charts, not table cells.
  const extras = [...new Set(res.results.flatMap((r) => Object.keys(r)))].filter(
    (k) =>
      !['case', 'value', 'unit'].includes(k) &&
      res.results.every((r) => r[k] === undefined || typeof r[k] !== 'object' || r[k] === null),
  )
  const head = `| case | value | unit |${extras.map((e) => ` ${e} |`).join('')}`
  const sep = `|---|---:|---|${extras.map(() => '---:|').join('')}`
  const fmt = (v: unknown): string =>
    typeof v === 'number'
      ? Number.isInteger(v)
        ? String(v)
        : formatSi(v)
      : typeof v === 'string'
        ? v
        : v === undefined
          ? ''
          : JSON.stringify(v)
  const rows = res.results.map(
    (r) =>
      `| ${r.case} | ${formatSi(r.value)} | ${r.unit} |${extras.map((e) => ` ${fmt(r[e])} |`).join('')}`,
  )
  return [head, sep, ...rows].join('\n')
}

function isLineSeries(s: unknown): s is LineSeries {
  return (
    typeof s === 'object' &&
    s !== null &&
    typeof (s as { name?: unknown }).name === 'string' &&
    Array.isArray((s as { points?: unknown }).points)
  )
}

const files = existsSync(resultsDir)
  ? readdirSync(resultsDir)
      .filter((f) => f.endsWith('.json'))
      .sort()
  : []
mkdirSync(imgDir, { recursive: true })
const sections: string[] = []
for (const f of files) {
  const res = JSON.parse(readFileSync(join(resultsDir, f), 'utf8')) as BenchResult
  // One bar chart per unit (a chart of mixed units would compare nothing), and a line chart per series.
  const charts: string[] = []
  const units = [...new Set(res.results.map((r) => r.unit))]
  units.forEach((unit, i) => {
    const rows = res.results.filter((r) => r.unit === unit && Number.isFinite(r.value))
    if (rows.length === 0) return
    const svgName =
      i === 0
        ? `${res.name}.svg`
        : `${res.name}-${unit.replace('%', 'percent').replace(/[^a-z0-9]+/gi, '-')}.svg`
    writeFileSync(join(imgDir, svgName), barChart(res.name, rows))
    charts.push(`![${res.name}: ${unit}](img/bench/${svgName})`)
  })
  res.results.forEach((r, i) => {
    const series = r.series
    if (!Array.isArray(series) || !series.every((s) => isLineSeries(s))) return
    const svgName = `${res.name}-series-${i}.svg`
    writeFileSync(join(imgDir, svgName), lineChart(r.case, 'seconds', 'MB', series))
    charts.push(`![${r.case}](img/bench/${svgName})`)
  })
  // A script's note sits next to it; its results are named after it, or `<area>-<name>` (`mesh-engines`).
  const noteFile = scripts()
    .find(
      (s) =>
        basename(s, '.ts') === res.name ||
        `${basename(dirname(s))}-${basename(s, '.ts')}` === res.name,
    )
    ?.replace(/\.ts$/, '.md')
  const note =
    noteFile && existsSync(noteFile) ? readFileSync(noteFile, 'utf8').trim() + '\n\n' : ''
  sections.push(
    `## ${res.name}\n\n${note}Measured ${res.date} on ${res.cpu}, Node ${res.node}.\n` +
      `Command: \`${res.command}\`${res.loadavg ? `  \nLoad average when written (1, 5, 15 min): ${res.loadavg.join(', ')} on 2 cores.` : ''}\n\n${table(res)}\n\n${charts.join('\n')}\n`,
  )
}
const intro = existsSync(join(benchDir, 'README.md'))
  ? readFileSync(join(benchDir, 'README.md'), 'utf8').trim()
  : ''
writeFileSync(
  join(docsDir, 'performance.md'),
  `# Performance\n\n<!-- generated by bench/run-all.ts from bench/results/*.json: do not edit by hand -->\n\n${intro}\n\n${targetsSection(resultsDir)}\n\n${sections.join('\n')}`,
)
console.log(`\nwrote docs/performance.md (${files.length} result files)`)
