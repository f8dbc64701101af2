/**
 * @module commands/lab
 * `sluice lab <experiment>`: the classic streaming experiments of an IoT lab, run on the real mesh (the
 * embedded broker on a free port, the real bridge, windowing, anomaly and forwarder processes, in a
 * temporary directory), each printing a short table and writing its SVG plots (docs/lab.md).
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { CliUsageError } from '../errors.js'
import type { Experiment, LabOutcome } from '../lab/experiment.js'
import { flagOf, formatParam, parseParams } from '../lab/experiment.js'
import { experiments, findExperiment } from '../lab/experiments.js'
import { formatTable } from '../lab/table.js'

/** Where `runLab` writes; tests pass their own. */
export interface LabIo {
  out(text: string): void
  err(text: string): void
}

const defaultIo: LabIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
}

const DEFAULT_OUT = 'sluice-lab'

function usage(): string {
  const all = experiments as unknown as readonly Experiment[]
  const width = Math.max(...all.map((e) => e.name.length))
  return [
    'Usage: sluice lab <experiment> [--param value …] [--out dir] [--json]',
    '',
    'Runs a streaming experiment on the real services (embedded broker on a free port, the bridge,',
    'windowing, anomaly and forwarder as processes, in a temporary directory), prints a table and writes',
    `SVG plots into --out (default ./${DEFAULT_OUT}). sluice lab <experiment> --help lists its parameters.`,
    '',
    'Experiments:',
    ...all.map((e) => `  ${e.name.padEnd(width)}  ${e.title}`),
  ].join('\n')
}

function experimentHelp(e: Experiment): string {
  const keys = Object.keys(e.defaults)
  const flags = keys.map(
    (k) =>
      `${flagOf(k)} <${typeof e.defaults[k] === 'string' ? 'word' : typeof e.defaults[k] === 'number' ? 'n' : 'n,n,…'}>`,
  )
  const width = Math.max(...flags.map((f) => f.length), '--out <dir>'.length)
  return [
    `Usage: sluice lab ${e.name} [options]`,
    '',
    `${e.title}. ${e.summary}`,
    '',
    'Parameters:',
    ...keys.map(
      (k, i) =>
        `  ${flags[i]!.padEnd(width)}  ${e.help[k]} (default ${formatParam(e.defaults[k]!)})`,
    ),
    `  ${'--out <dir>'.padEnd(width)}  where the SVG plots go (default ./${DEFAULT_OUT})`,
    `  ${'--json'.padEnd(width)}  print the measured numbers as JSON instead of the table`,
    '',
    'Try:',
    ...e.tryThis.map((t) => `  ${t}`),
  ].join('\n')
}

/** Prints an outcome: the table, the notes, and where the plots went. */
export function formatOutcome(
  e: Experiment,
  outcome: LabOutcome,
  files: readonly string[],
): string {
  return [
    e.title,
    '',
    formatTable(outcome.table),
    '',
    ...outcome.notes.map((n) => `- ${n}`),
    '',
    ...files.map((f) => `plot: ${f}`),
  ].join('\n')
}

/**
 * Runs `sluice lab`. Returns the exit code: 0 on success, 1 when the experiment failed, 2 on a usage error.
 *
 * @example
 * ```ts
 * process.exitCode = await runLab(['backpressure', '--seconds', '4', '--out', 'docs/img/lab'])
 * ```
 */
export async function runLab(argv: readonly string[], io: LabIo = defaultIo): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h') {
    io.out(usage() + '\n')
    return name === undefined ? 2 : 0
  }
  const e = findExperiment(name)
  if (e === undefined) {
    io.err(`sluice lab: unknown experiment "${name}"\n\n${usage()}\n`)
    return 2
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(experimentHelp(e) + '\n')
    return 0
  }
  let out = DEFAULT_OUT
  let json = false
  const args: string[] = []
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!
    if (a === '--json') json = true
    else if (a === '--out') out = rest[++i] ?? ''
    else if (a.startsWith('--out=')) out = a.slice('--out='.length)
    else args.push(a)
  }
  let params
  try {
    if (out === '') throw new CliUsageError('--out needs a directory')
    params = parseParams(e.defaults, args)
  } catch (err) {
    io.err(`sluice lab ${e.name}: ${(err as Error).message}\n\n${experimentHelp(e)}\n`)
    return 2
  }
  const started = Date.now()
  let outcome: LabOutcome
  try {
    outcome = await e.run(params, (line) =>
      io.err(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${line}\n`),
    )
  } catch (err) {
    io.err(`sluice lab ${e.name} failed: ${err instanceof Error ? err.message : String(err)}\n`)
    return 1
  }
  const dir = resolve(out)
  await mkdir(dir, { recursive: true })
  const files: string[] = []
  for (const plot of outcome.plots) {
    const file = join(dir, plot.file)
    await writeFile(file, plot.svg + '\n')
    files.push(file)
  }
  const seconds = (Date.now() - started) / 1000
  if (json)
    io.out(
      JSON.stringify(
        {
          experiment: e.name,
          params,
          seconds,
          table: outcome.table,
          data: outcome.data,
          plots: files,
        },
        null,
        2,
      ) + '\n',
    )
  else io.out(formatOutcome(e, outcome, files) + `\n(${seconds.toFixed(0)} s)\n`)
  return 0
}
