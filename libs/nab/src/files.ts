/**
 * @module nab/files
 * The file edge of the NAB tooling, Node only (`@sluice/nab/files`): finds the corpus (`SLUICE_NAB_DIR`,
 * else `../shared/datasets/nab` beside the repository), reads its labels, profiles, thresholds and data
 * files, and reads or writes results in NAB's layout (`<detector>/<category>/<detector>_<file>.csv`).
 * Everything else in `@sluice/nab` is pure.
 */
import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { DataFile, NabCorpus, Profiles, Thresholds } from './corpus.js'
import { formatNabResults, parseNabCsv } from './csv.js'
import type { CostMatrix } from './sweeper.js'
import { NabCorpusError } from './errors.js'

export { NabCorpusError, NabErrorCode } from './errors.js'

/** Walks up from `start` to the directory holding `pnpm-workspace.yaml` (the repository root). */
export function findRepoRoot(start = dirname(fileURLToPath(import.meta.url))): string {
  let dir = resolve(start)
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir
    const parent = dirname(dir)
    if (parent === dir) return resolve(start)
    dir = parent
  }
}

/**
 * Where the NAB corpus lives: `$SLUICE_NAB_DIR` if set, else `<repo root>/../shared/datasets/nab`.
 */
export function resolveNabDir(env: NodeJS.ProcessEnv = process.env): string {
  const override = env['SLUICE_NAB_DIR']
  if (override !== undefined && override !== '') return resolve(override)
  return resolve(findRepoRoot(), '..', 'shared', 'datasets', 'nab')
}

async function readJson(path: string, what: string): Promise<unknown> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (cause) {
    throw new NabCorpusError(
      `Cannot read the NAB ${what} at ${path}: is the corpus there? Set SLUICE_NAB_DIR to its directory.`,
      { cause },
    )
  }
  return JSON.parse(text) as unknown
}

/** Reads `config/profiles.json` into cost matrices by profile name. */
export async function readProfiles(dir: string): Promise<Profiles> {
  const raw = (await readJson(join(dir, 'config', 'profiles.json'), 'profiles')) as Record<
    string,
    { CostMatrix: CostMatrix }
  >
  return Object.fromEntries(Object.entries(raw).map(([name, p]) => [name, p.CostMatrix]))
}

/** Reads `config/thresholds.json`: detector → profile → threshold. */
export async function readThresholds(dir: string): Promise<Thresholds> {
  const raw = (await readJson(join(dir, 'config', 'thresholds.json'), 'thresholds')) as Record<
    string,
    Record<string, { threshold: number }>
  >
  return Object.fromEntries(
    Object.entries(raw).map(([detector, byProfile]) => [
      detector,
      Object.fromEntries(Object.entries(byProfile).map(([profile, t]) => [profile, t.threshold])),
    ]),
  )
}

/** Reads the labels, the profiles and every labelled data file of the corpus. */
export async function loadCorpus(dir = resolveNabDir()): Promise<NabCorpus> {
  const windows = (await readJson(
    join(dir, 'labels', 'combined_windows.json'),
    'labels',
  )) as Record<string, [string, string][]>
  const profiles = await readProfiles(dir)
  const files = await Promise.all(
    Object.entries(windows).map(async ([name, limits]) => {
      const path = join(dir, 'data', name)
      const series = parseNabCsv(await readFile(path, 'utf8'), 'value', path)
      return { name, windows: limits, ...series }
    }),
  )
  const windowCount = Object.values(windows).reduce((sum, w) => sum + w.length, 0)
  return { dir, files, profiles, windowCount }
}

/** `realKnownCause/nyc_taxi.csv` → `<root>/<detector>/realKnownCause/<detector>_nyc_taxi.csv`. */
export function resultsPath(root: string, detector: string, dataFile: string): string {
  const slash = dataFile.lastIndexOf('/')
  const category = slash === -1 ? '' : dataFile.slice(0, slash)
  const base = dataFile.slice(slash + 1)
  return join(root, detector, category, `${detector}_${base}`)
}

/** Reads one results file's `anomaly_score` column. */
export async function readResults(
  root: string,
  detector: string,
  dataFile: string,
): Promise<Float64Array> {
  const path = resultsPath(root, detector, dataFile)
  return parseNabCsv(await readFile(path, 'utf8'), 'anomaly_score', path).values
}

/** Writes one results file in NAB's layout, creating directories as needed. */
export async function writeResults(
  root: string,
  detector: string,
  file: DataFile,
  scores: ArrayLike<number>,
): Promise<string> {
  const path = resultsPath(root, detector, file.name)
  await mkdir(dirname(path), { recursive: true })
  await writeFile(path, formatNabResults(file.timestamps, scores))
  return path
}
