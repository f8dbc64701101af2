/**
 * @module commands/replay
 * `sluice replay`: runs detector configurations offline, in stream order, over one CSV file or over the
 * whole Numenta Anomaly Benchmark corpus, writes the anomaly scores in NAB's results layout and, with
 * `--score`, scores them with our NAB scorer (three profiles, optimised or fixed thresholds, normalised
 * against the null detector). One configuration per detector for the whole corpus, as NAB requires.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join, relative, resolve, sep } from 'node:path'
import { parseArgs } from 'node:util'
import {
  detectorNames,
  isDetectorName,
  type DetectorSpec,
  type MultivariateOptions,
} from '@sluice/stream'
import {
  alarmFigures,
  crossValidate,
  formatNabResults,
  labelCorpus,
  parseCsvColumns,
  parseNabCsv,
  runDetector,
  runMultivariate,
  scoreCorpus,
  type AlarmFigures,
  type AlarmFile,
  type CrossValidated,
  type NabCorpus,
  type ProfileResult,
  type Profiles,
  type RowLabels,
} from '@sluice/nab'
import {
  loadCorpus,
  readResults,
  readThresholds,
  resolveNabDir,
  writeResults,
} from '@sluice/nab/files'
import { CliUsageError } from '../errors.js'

/** Where `runReplay` writes; tests pass their own. */
export interface ReplayIo {
  out(text: string): void
  err(text: string): void
}

const defaultIo: ReplayIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
}

const USAGE = `Usage: sluice replay [options]

Runs anomaly detectors over recorded data in stream order (each point is scored before it is learned).

Input (one of):
  --csv <file>            a CSV with a header holding "timestamp" and "value" columns; with
                          --detector multivariate, "timestamp" and any number of channel columns
  --nab                   the whole NAB corpus ($SLUICE_NAB_DIR, default ../shared/datasets/nab)

Detector:
  --detector <name>       ${detectorNames.join(', ')} (default novelty); repeat to run several;
                          multivariate (--csv only): one detector over all columns, output
                          timestamp,anomaly_score,alert,channels
  --options <json>        options for every --detector, e.g. '{"window":100}'
  --set <key=value>       one numeric option, repeatable, e.g. --set window=100

Output and scoring:
  --out <path>            --csv: results file (default stdout); --nab: results root (default ./nab-results)
  --score                 score against the NAB labels (--nab, or --csv on a corpus file)
  --threshold <x>         score at this threshold instead of optimising it per profile
  --reference <name>      score NAB's published results reference-results/<name> at their thresholds
                          (config/thresholds.json) instead of running a detector
  --json                  print scores as JSON
  With --nab --score, each detector also gets a two-fold cross-validated score (threshold tuned on half
  the files, scored on the other half, both ways) and, from its own alerts grouped into episodes as the
  anomaly service does, false alarms per 1 000 normal rows, event precision and windows found.
  --help                  this text

Examples:
  sluice replay --nab --score
  sluice replay --nab --score --detector zscore --set window=200
  sluice replay --nab --score --reference numenta
  sluice replay --csv data.csv --detector novelty --out scores.csv
`

/** Parses `--options` JSON and `--set key=value` flags into detector options. */
function detectorOptions(
  json: string | undefined,
  sets: readonly string[],
): Record<string, unknown> {
  let options: Record<string, unknown> = {}
  if (json !== undefined) {
    let parsed: unknown
    try {
      parsed = JSON.parse(json)
    } catch (cause) {
      throw new CliUsageError(`--options is not valid JSON: ${String(cause)}`)
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new CliUsageError('--options must be a JSON object, e.g. \'{"window":100}\'')
    }
    options = { ...(parsed as Record<string, unknown>) }
  }
  for (const set of sets) {
    const eq = set.indexOf('=')
    if (eq <= 0) throw new CliUsageError(`--set expects key=value, got "${set}"`)
    const raw = set.slice(eq + 1)
    const n = Number(raw)
    options[set.slice(0, eq)] =
      raw === 'true' ? true : raw === 'false' ? false : raw !== '' && !Number.isNaN(n) ? n : raw
  }
  return options
}

function specsFrom(names: readonly string[], options: Record<string, unknown>): DetectorSpec[] {
  return names.map((name) => {
    // Checked by its own runner (--csv only); carried through as a spec by name.
    if (name === 'multivariate') return { ...options, name } as unknown as DetectorSpec
    if (!isDetectorName(name)) {
      throw new CliUsageError(
        `Unknown detector "${name}"; choose one of ${detectorNames.join(', ')}`,
      )
    }
    return { ...options, name }
  })
}

function formatScores(label: string, results: readonly ProfileResult[]): string {
  const cells = results.map(
    (r) =>
      `${r.profile} ${r.normalized.toFixed(2)} (raw ${r.score.toFixed(3)}, threshold ${r.threshold})`,
  )
  return `${label}: ${cells.join(', ')}\n`
}

/** What `--nab --score` reports per detector besides NAB's three scores. */
interface Honest {
  readonly crossValidated: CrossValidated[]
  readonly alarms: AlarmFigures
}

function formatHonest(h: Honest): string {
  const cv = h.crossValidated
    .map(
      (c) =>
        `${c.profile} ${c.normalized.toFixed(2)} (thresholds ${c.thresholds[0]} / ${c.thresholds[1]})`,
    )
    .join(', ')
  const a = h.alarms
  return (
    `  cross-validated: ${cv}\n` +
    `  own alerts as episodes: ${a.episodes} episodes, ${a.falseAlarms} false alarms = ` +
    `${a.falseAlarmsPer1000.toFixed(2)} per 1000 normal rows, event precision ` +
    `${Number.isNaN(a.precision) ? '-' : a.precision.toFixed(3)}, windows found ${a.windowsFound}/${a.windows}\n`
  )
}

/** `--threshold` for every profile when given, else `otherwise` (a profile missing there is optimised). */
function fixedThresholds(
  profiles: Profiles,
  threshold: number | undefined,
  otherwise: Readonly<Record<string, number>> = {},
): Readonly<Record<string, number>> {
  if (threshold === undefined) return otherwise
  return Object.fromEntries(Object.keys(profiles).map((p) => [p, threshold]))
}

interface CorpusContext {
  readonly corpus: NabCorpus
  readonly labels: RowLabels[]
}

async function corpusContext(dir: string): Promise<CorpusContext> {
  const corpus = await loadCorpus(dir)
  return { corpus, labels: labelCorpus(corpus) }
}

const FLAGS = {
  csv: { type: 'string' },
  nab: { type: 'boolean', default: false },
  detector: { type: 'string', multiple: true },
  options: { type: 'string' },
  set: { type: 'string', multiple: true },
  out: { type: 'string' },
  score: { type: 'boolean', default: false },
  threshold: { type: 'string' },
  reference: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const

/** `sluice replay`'s flags, as parsed. */
type ReplayFlags = ReturnType<typeof parseArgs<{ options: typeof FLAGS }>>['values']

/** One replay, its flags checked: what every input's runner needs. */
interface Replay {
  readonly flags: ReplayFlags
  readonly specs: DetectorSpec[]
  readonly threshold: number | undefined
  /** The NAB directory. */
  readonly dir: string
  readonly io: ReplayIo
  /** NAB's three scores per detector (or reference), to print. */
  readonly report: Record<string, ProfileResult[]>
  /** What `--nab --score` adds per detector. */
  readonly honest: Record<string, Honest>
}

/** Checks the flags that go together; throws {@link CliUsageError}. */
function checkReplay(flags: ReplayFlags, io: ReplayIo): Replay {
  if ((flags.csv === undefined) === !flags.nab) {
    throw new CliUsageError('Give exactly one input: --csv <file> or --nab')
  }
  let threshold: number | undefined
  if (flags.threshold !== undefined) {
    threshold = Number(flags.threshold)
    if (!Number.isFinite(threshold)) throw new CliUsageError('--threshold must be a number')
  }
  const specs = specsFrom(
    flags.detector ?? ['novelty'],
    detectorOptions(flags.options, flags.set ?? []),
  )
  if (flags.nab && specs.some((s) => s.name === ('multivariate' as string))) {
    throw new CliUsageError('--detector multivariate needs a multi-column --csv, not --nab')
  }
  return { flags, specs, threshold, dir: resolveNabDir(), io, report: {}, honest: {} }
}

/** `--nab --reference <name>`: scores NAB's published results at their published thresholds. */
async function scoreReference(r: Replay, ctx: CorpusContext, name: string): Promise<void> {
  const root = join(r.dir, 'reference-results')
  const scores = await Promise.all(ctx.corpus.files.map((f) => readResults(root, name, f.name)))
  const published = (await readThresholds(r.dir))[name]
  const fixed = fixedThresholds(ctx.corpus.profiles, r.threshold, published)
  r.report[name] = scoreCorpus(
    ctx.corpus.profiles,
    ctx.labels,
    scores,
    ctx.corpus.windowCount,
    fixed,
  )
}

/** `--nab`: runs each detector over the corpus, writes its results and, with `--score`, scores them. */
async function replayCorpus(r: Replay, ctx: CorpusContext): Promise<void> {
  const root = resolve(r.flags.out ?? 'nab-results')
  for (const spec of r.specs) {
    let detectMs = 0
    const alarms: AlarmFile[] = []
    const scores = await Promise.all(
      ctx.corpus.files.map(async (f) => {
        const run = runDetector(spec, f.timestamps, f.values)
        detectMs += run.detectMs
        alarms.push({ ...f, alerts: run.alerts })
        await writeResults(root, spec.name, f, run.scores)
        return run.scores
      }),
    )
    const points = ctx.corpus.files.reduce((s, f) => s + f.values.length, 0)
    r.io.err(
      `${spec.name}: ${points} points in ${detectMs.toFixed(0)} ms ` +
        `(${Math.round(points / (detectMs / 1000))} points/s), results in ${join(root, spec.name)}\n`,
    )
    if (!r.flags.score) continue
    const { labels } = ctx
    const { profiles, windowCount } = ctx.corpus
    r.report[spec.name] = scoreCorpus(
      profiles,
      labels,
      scores,
      windowCount,
      fixedThresholds(profiles, r.threshold),
    )
    r.honest[spec.name] = {
      crossValidated: crossValidate(profiles, labels, scores, windowCount),
      alarms: alarmFigures(alarms),
    }
  }
}

/** `--csv <file> --detector multivariate`: one detector over every channel column. */
async function replayMultivariate(r: Replay, spec: DetectorSpec): Promise<void> {
  const path = resolve(r.flags.csv!)
  const options: MultivariateOptions & { name?: string } = { ...spec }
  delete options.name
  const series = parseCsvColumns(await readFile(path, 'utf8'), path)
  if (series.columns.length < 2) {
    throw new CliUsageError(
      `--detector multivariate needs two or more channel columns; ${path} has ${series.columns.length}`,
    )
  }
  const run = runMultivariate(options, series.timestamps, series.names, series.columns)
  const lines = ['timestamp,anomaly_score,alert,channels']
  for (let i = 0; i < series.timestamps.length; i++) {
    lines.push(`${series.timestamps[i]!},${run.scores[i]!},${run.alerts[i]!},${run.blamed[i]!}`)
  }
  const text = `${lines.join('\n')}\n`
  if (r.flags.out === undefined) r.io.out(text)
  else await writeFile(resolve(r.flags.out), text)
  const alerts = run.alerts.reduce((a, b) => a + b, 0)
  r.io.err(
    `multivariate over ${series.names.join(', ')}: ${series.timestamps.length} rows, ${alerts} alerting\n`,
  )
}

/** `--csv <file>`: one detector over one file and, with `--score`, scored when it is a corpus file. */
async function replayCsv(r: Replay): Promise<void> {
  const path = resolve(r.flags.csv!)
  if (r.specs.length !== 1) throw new CliUsageError('--csv runs one --detector at a time')
  const spec = r.specs[0]!
  const series = parseNabCsv(await readFile(path, 'utf8'), 'value', path)
  const { scores } = runDetector(spec, series.timestamps, series.values)
  const text = formatNabResults(series.timestamps, scores)
  if (r.flags.out === undefined) r.io.out(text)
  else await writeFile(resolve(r.flags.out), text)
  if (!r.flags.score) return
  const name = relative(join(r.dir, 'data'), path).split(sep).join('/')
  const ctx = await corpusContext(r.dir)
  const index = ctx.corpus.files.findIndex((f) => f.name === name)
  if (index === -1) {
    throw new CliUsageError(
      `--score needs a NAB corpus file under ${join(r.dir, 'data')}; ${path} is not one`,
    )
  }
  const labels = [ctx.labels[index]!]
  const windowCount = ctx.corpus.files[index]!.windows.length
  const fixed = fixedThresholds(ctx.corpus.profiles, r.threshold)
  r.report[spec.name] = scoreCorpus(ctx.corpus.profiles, labels, [scores], windowCount, fixed)
}

/** Prints the scores: as JSON with `--json`, else one line per detector (and its honest figures). */
function printReport(r: Replay): void {
  const entries = Object.entries(r.report)
  if (r.flags.json) {
    const merged = Object.fromEntries(
      entries.map(([name, results]) => [
        name,
        r.honest[name] === undefined ? results : { profiles: results, ...r.honest[name] },
      ]),
    )
    r.io.out(`${JSON.stringify(merged, null, 2)}\n`)
    return
  }
  for (const [name, results] of entries) {
    r.io.out(formatScores(name, results))
    const h = r.honest[name]
    if (h !== undefined) r.io.out(formatHonest(h))
  }
}

/** Runs the replay the flags ask for, then prints its scores. */
async function replay(r: Replay): Promise<void> {
  const first = r.specs[0]!
  if (r.flags.nab) {
    const ctx = await corpusContext(r.dir)
    if (r.flags.reference !== undefined) await scoreReference(r, ctx, r.flags.reference)
    else await replayCorpus(r, ctx)
  } else if (r.specs.length === 1 && first.name === ('multivariate' as string)) {
    await replayMultivariate(r, first)
  } else {
    await replayCsv(r)
  }
  printReport(r)
}

/**
 * Runs `sluice replay`. Returns the process exit code: 0 on success, 1 when a run failed, 2 on a usage
 * error (the message says which flag).
 *
 * @example
 * ```ts
 * process.exitCode = await runReplay(['--nab', '--score', '--detector', 'novelty'])
 * ```
 */
export async function runReplay(argv: string[], io: ReplayIo = defaultIo): Promise<number> {
  let flags: ReplayFlags
  try {
    flags = parseArgs({ args: argv, strict: true, allowPositionals: false, options: FLAGS }).values
  } catch (err) {
    io.err(`${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`)
    return 2
  }
  if (flags.help) {
    io.out(USAGE)
    return 0
  }
  try {
    await replay(checkReplay(flags, io))
    return 0
  } catch (err) {
    if (err instanceof CliUsageError) {
      io.err(`${err.message}\n\n${USAGE}`)
      return 2
    }
    const { code } = (err ?? {}) as { code?: unknown }
    const known = typeof code === 'string' && code.startsWith('SLUICE_ERR_')
    io.err(
      `sluice replay failed: ${err instanceof Error ? err.message : String(err)}\n` +
        (known ? `sluice replay: error code ${code} (docs/errors.md)\n` : ''),
    )
    return 1
  }
}
