/**
 * @module lab/experiment
 * What a lab experiment is: a name, the parameters a student can change (with defaults and what to
 * try), and a `run` that measures on the real mesh and returns a table, plots and notes. Parameters are
 * parsed here, once, from `--name value` flags, so every experiment's `--help` and parsing agree.
 */
import { CliUsageError } from '../errors.js'

/** A parameter value: a number, a comma-separated list of numbers, or a word. */
export type ParamValue = number | readonly number[] | string

/** An experiment's parameters, by name. */
export type Params = Readonly<Record<string, ParamValue>>

/** A table: column headers and rows of cells. */
export interface LabTable {
  readonly columns: readonly string[]
  readonly rows: readonly (readonly (string | number)[])[]
}

/** One SVG plot, by file name. */
export interface LabPlot {
  readonly file: string
  readonly svg: string
}

/** What an experiment measured. */
export interface LabOutcome {
  readonly table: LabTable
  readonly plots: readonly LabPlot[]
  /** Sentences under the table: what the numbers say, and what theory expected. */
  readonly notes: readonly string[]
  /** The measured numbers by name, for `--json` and the tests. */
  readonly data: Readonly<Record<string, unknown>>
}

/** Where an experiment reports progress (one line each). */
export type Progress = (line: string) => void

/** One experiment of `sluice lab`. */
export interface Experiment<P extends Params = Params> {
  readonly name: string
  readonly title: string
  /** What it shows, in a sentence or two. */
  readonly summary: string
  readonly defaults: P
  /** One line per parameter. */
  readonly help: { readonly [K in keyof P]: string }
  /** Things to try, as command lines with a word on what to look for. */
  readonly tryThis: readonly string[]
  run(params: P, progress: Progress): Promise<LabOutcome>
}

/** The parameter's flag: `windowSizes` → `--window-sizes`. */
export function flagOf(name: string): string {
  return '--' + name.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())
}

function parseValue(flag: string, def: ParamValue, raw: string): ParamValue {
  if (typeof def === 'string') return raw
  const numbers = raw.split(',').map((s) => Number(s.trim()))
  if (raw.trim() === '' || numbers.some((n) => !Number.isFinite(n)))
    throw new CliUsageError(
      `${flag} must be ${typeof def === 'number' ? 'a number' : 'numbers, comma-separated'}, got "${raw}"`,
    )
  if (typeof def === 'number') {
    if (numbers.length !== 1) throw new CliUsageError(`${flag} takes one number, got "${raw}"`)
    return numbers[0]!
  }
  return numbers
}

/**
 * Reads `--name value` (or `--name=value`) flags over an experiment's defaults; throws with every problem
 * listed at once.
 *
 * @example
 * ```ts
 * parseParams({ rate: 100, sizes: [10, 20] }, ['--rate', '50', '--sizes=5,10']) // { rate: 50, sizes: [5, 10] }
 * ```
 */
export function parseParams<P extends Params>(defaults: P, args: readonly string[]): P {
  const byFlag = new Map(Object.keys(defaults).map((k) => [flagOf(k), k]))
  const out: Record<string, ParamValue> = { ...defaults }
  const problems: string[] = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    const eq = arg.indexOf('=')
    const flag = eq >= 0 ? arg.slice(0, eq) : arg
    const key = byFlag.get(flag)
    if (key === undefined) {
      problems.push(`unknown option ${flag}`)
      continue
    }
    const raw = eq >= 0 ? arg.slice(eq + 1) : args[++i]
    if (raw === undefined) {
      problems.push(`${flag} needs a value`)
      continue
    }
    try {
      out[key] = parseValue(flag, defaults[key]!, raw)
    } catch (err) {
      problems.push((err as Error).message)
    }
  }
  if (problems.length > 0) throw new CliUsageError(problems.join('\n'))
  return out as P
}

/** A default as it is written on the command line. */
export function formatParam(v: ParamValue): string {
  return typeof v === 'object' ? v.join(',') : String(v)
}
