/**
 * @module lab/recording
 * The recordings lab experiments replay through the real bridge (`--mode replay`): CSV files in the
 * bridge's own `seq,t,<channel>…` layout, made from the simulator or from a formula, so each experiment
 * knows exactly what went in (the step's position, the injected anomalies).
 */
import { writeFile } from 'node:fs/promises'
import { createPrng } from '@sluice/stream'

/** One recorded line: sequence number, event time (ms since the epoch) and one value per channel. */
export interface RecordedRow {
  readonly seq: number
  readonly t: number
  readonly values: readonly number[]
}

/** The CSV text of a recording. */
export function recordingCsv(channels: readonly string[], rows: readonly RecordedRow[]): string {
  const lines = [`seq,t,${channels.join(',')}`]
  for (const r of rows)
    lines.push(`${r.seq},${r.t.toFixed(3)},${r.values.map((v) => +v.toFixed(4)).join(',')}`)
  return lines.join('\n') + '\n'
}

/** Writes a recording for `--mode replay --replay.file <path>`. */
export async function writeRecording(
  path: string,
  channels: readonly string[],
  rows: readonly RecordedRow[],
): Promise<void> {
  await writeFile(path, recordingCsv(channels, rows))
}

/** Options of {@link stepSignal}. */
export interface StepSignalOptions {
  readonly samples: number
  readonly rateHz: number
  readonly base: number
  readonly noiseStd: number
  /** Height of the step, and the sample it starts at. */
  readonly step: number
  readonly stepAt: number
  readonly seed: number
  /** Event time of the first sample. */
  readonly t0: number
}

/** A noisy level with a step: `base + N(0, noiseStd)`, plus `step` from sample `stepAt` on. */
export function stepSignal(o: StepSignalOptions): RecordedRow[] {
  const prng = createPrng(o.seed)
  const rows: RecordedRow[] = []
  for (let i = 0; i < o.samples; i++) {
    const v = o.base + prng.gaussian() * o.noiseStd + (i >= o.stepAt ? o.step : 0)
    rows.push({ seq: i, t: o.t0 + (i * 1000) / o.rateHz, values: [v] })
  }
  return rows
}
