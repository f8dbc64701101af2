/**
 * @module bench/anomaly/machine
 * The anomaly service's detectors, with its default configuration, on labelled multi-channel recordings of
 * a real machine (issue 15's held-out check, on data we have): each file is one device whose columns are its
 * channels, fed row by row to the same detector set the service runs (`createDetectorSet`), and every
 * episode start is scored against the file's labelled anomalous rows:
 *
 * - **event precision**: episode starts inside a labelled period / all episode starts;
 * - **false alarms per 1 000 normal rows**: starts outside every period, per 1 000 unlabelled rows;
 * - **periods found**: labelled periods with at least one start inside.
 *
 * The layout is SKAB's (Skoltech Anomaly Benchmark, github.com/waico/SKAB, GPL-3.0, not shipped here): a
 * header, a time column first, then the channels, then `anomaly` (0/1) and `changepoint`, which are labels
 * and not fed. The files are read by the bridge's own replay parser, so the bench sees what a replay sends
 * (`;`-separated, a `datetime` column, channel names made from the header). Files sit in folders (SKAB: valve1, valve2, other, anomaly-free); the
 * figures are given per folder as well, so a method that only works on one kind of fault shows. Each
 * configuration runs in the same process: the default, and the default without the level test.
 *
 * Run: `node --conditions=sluice-src --import tsx bench/anomaly/machine.ts [dir]`, with the recordings at
 * `dir`, $SLUICE_MACHINE_DIR or ../shared/datasets/skab (e.g. a clone of SKAB's `data` folder). Without
 * them it says where to get them and writes nothing.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { createDetectorSet, defaultAnomalyConfig } from '@sluice/anomaly'
import type { AnomalyEvent } from '@sluice/contract'
import { channelsFromColumns, parseReplayCsv } from '@sluice/serial-bridge'
import type { DetectorSpec } from '@sluice/stream'
import { median, writeResult, type BenchRow } from '../lib/results.js'

const COMMAND = 'node --conditions=sluice-src --import tsx bench/anomaly/machine.ts'
const LABELS = new Set(['anomaly', 'changepoint'])

/** One labelled recording: its channels, its rows (time and a value per channel) and the label per row. */
interface Recording {
  readonly name: string
  readonly folder: string
  readonly channels: readonly string[]
  readonly rows: readonly { readonly t: number; readonly values: readonly number[] }[]
  readonly anomalous: readonly boolean[]
}

/** What one configuration did on a set of recordings. */
interface Tally {
  rows: number
  normalRows: number
  periods: number
  found: number
  starts: number
  inside: number
  /** Rows from a period's first row to the first start inside it, per period found. */
  delays: number[]
}

const empty = (): Tally => ({
  rows: 0,
  normalRows: 0,
  periods: 0,
  found: 0,
  starts: 0,
  inside: 0,
  delays: [],
})

/** Reads a recording as the bridge's replay does, and takes its label columns apart from the channels. */
function readRecording(path: string, root: string): Recording {
  const data = parseReplayCsv(readFileSync(path, 'utf8'), path)
  const columns = data.valueColumns
  const label = columns.indexOf('anomaly')
  const channels = columns.flatMap((c, i) => (LABELS.has(c) ? [] : [i]))
  const rel = relative(root, path)
  return {
    name: rel,
    folder: rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '.',
    channels: channelsFromColumns(channels.map((i) => columns[i]!)),
    rows: data.records.map((r) => ({ t: r.t, values: channels.map((i) => r.values[i]!) })),
    anomalous: data.records.map((r) => label >= 0 && r.values[label] === 1),
  }
}

function csvFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((n) => {
      const p = join(dir, n)
      return statSync(p).isDirectory() ? csvFiles(p) : n.endsWith('.csv') ? [p] : []
    })
}

/** The labelled periods of a recording, as [first, last] row. */
function periodsOf(anomalous: readonly boolean[]): [number, number][] {
  const out: [number, number][] = []
  anomalous.forEach((a, i) => {
    if (a && (i === 0 || !anomalous[i - 1])) out.push([i, i])
    if (a) out[out.length - 1]![1] = i
  })
  return out
}

/** The rows where an episode started, replaying the recording through a fresh detector set. */
function episodeStarts(rec: Recording, detector: DetectorSpec): number[] {
  const starts: number[] = []
  let row = 0
  const emit = (_key: string, event: AnomalyEvent): void => {
    if (event.episode?.phase === 'start') starts.push(row)
  }
  const set = createDetectorSet({ ...defaultAnomalyConfig(), detector }, emit)
  for (row = 0; row < rec.rows.length; row++) {
    const { t, values } = rec.rows[row]!
    rec.channels.forEach((channel, c) => {
      set.push(`machine/${channel}`, [{ seq: row, t, value: values[c]!, ingest: t }])
    })
  }
  return starts
}

function score(rec: Recording, starts: readonly number[], into: Tally): void {
  const periods = periodsOf(rec.anomalous)
  into.rows += rec.rows.length
  into.normalRows += rec.anomalous.filter((a) => !a).length
  into.periods += periods.length
  into.starts += starts.length
  into.inside += starts.filter((r) => rec.anomalous[r]).length
  for (const [first, last] of periods) {
    const hit = starts.find((r) => r >= first && r <= last)
    if (hit === undefined) continue
    into.found++
    into.delays.push(hit - first)
  }
}

const figures = (t: Tally) => ({
  precision: t.starts > 0 ? t.inside / t.starts : Number.NaN,
  falseAlarmsPer1000: ((t.starts - t.inside) / Math.max(1, t.normalRows)) * 1000,
  found: `${t.found}/${t.periods}`,
  medianDelay: median(t.delays),
})

const dir =
  process.argv.slice(2).find((a) => !a.startsWith('--')) ??
  process.env.SLUICE_MACHINE_DIR ??
  join('..', 'shared', 'datasets', 'skab')
if (!existsSync(dir)) {
  console.log(
    `no machine recordings at ${dir}: skipped. Give a folder of labelled CSVs (SKAB's layout: ` +
      'git clone https://github.com/waico/SKAB, then its data folder) as the argument or in ' +
      '$SLUICE_MACHINE_DIR.',
  )
  process.exit(0)
}
const recordings = csvFiles(dir).map((f) => readRecording(f, dir))
const theDefault = defaultAnomalyConfig().detector!
const configs: [string, DetectorSpec][] = [
  ['default without the level test', { ...theDefault, level: false } as DetectorSpec],
  ['default', theDefault],
]

const results: BenchRow[] = []
for (const [name, detector] of configs) {
  const byFolder = new Map<string, Tally>()
  const all = empty()
  const started = process.hrtime.bigint()
  for (const rec of recordings) {
    const starts = episodeStarts(rec, detector)
    score(rec, starts, all)
    if (!byFolder.has(rec.folder)) byFolder.set(rec.folder, empty())
    score(rec, starts, byFolder.get(rec.folder)!)
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  for (const [folder, tally] of [...byFolder, ['all', all] as const]) {
    const f = figures(tally)
    results.push({
      case: `${name}: ${folder}`,
      value: Math.round(f.precision * 1000) / 1000,
      unit: 'event precision',
      falseAlarmsPer1000NormalRows: Math.round(f.falseAlarmsPer1000 * 100) / 100,
      periodsFound: f.found,
      episodes: tally.starts,
      medianDelayRows: f.medianDelay,
      rows: tally.rows,
    })
    console.log(
      `${`${name}: ${folder}`.padEnd(48)} precision ${f.precision.toFixed(3)}  ` +
        `false alarms ${f.falseAlarmsPer1000.toFixed(2)}/1000 normal rows  periods ${f.found}  ` +
        `episodes ${tally.starts}  median delay ${f.medianDelay} rows`,
    )
  }
  console.log(`${name}: ${all.rows} rows in ${seconds.toFixed(1)} s (${recordings.length} files)`)
}
console.log(`wrote ${writeResult('anomaly-machine', COMMAND, results)}`)
