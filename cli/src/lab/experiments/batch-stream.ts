/**
 * @module lab/experiments/batch-stream
 * Batch against stream processing (lab level 1): one recording, processed by the real bridge and windowing
 * service two ways. As a stream, replayed at its recorded pace: each window's result comes as soon as its
 * last sample has been read. As a batch, which can only start once the recording is complete, replayed
 * as fast as it goes (`--replay.speed 0`): every result comes at the end. Compared on the recording's own
 * timeline: time to the first result, latency per result (from the window's last sample to its result),
 * and the peak memory (VmHWM) of the windowing process.
 */
import { join } from 'node:path'
import { decodeWindows, windowFilter } from '@sluice/contract'
import { createSimulator } from '@sluice/stream'
import { lineChart } from '@sluice/plot'
import type { Experiment, LabOutcome, Progress } from '../experiment.js'
import { createLabMesh, until, type LabMesh } from '../mesh.js'
import { writeRecording } from '../recording.js'
import { mean, quantile, round } from '../table.js'

const defaults = {
  seconds: 20,
  rateHz: 50,
  window: 50,
}

type Params = typeof defaults

/** One way of processing, as measured on the recording's timeline (s from its first sample). */
export interface ModeRun {
  readonly mode: 'stream' | 'batch'
  readonly results: number
  readonly firstResultS: number
  readonly lastResultS: number
  readonly meanLatencyS: number
  readonly p95LatencyS: number
  readonly peakRssMb: number
  /** When each result was available (s on the recording's timeline). */
  readonly availableAt: readonly number[]
}

async function runMode(
  mesh: LabMesh,
  p: Params,
  mode: 'stream' | 'batch',
  file: string,
): Promise<ModeRun> {
  const device = mode
  const proc = await mesh.start(
    'window',
    mode,
    // block: a batch arrives as fast as the bridge can send it; no window may miss a sample.
    ['--logLevel', 'warn', '--idleAfterMs', '0', '--hops.raw.queue.policy', 'block'],
    { devices: [device], windows: { w: { type: 'count', size: p.window, stride: p.window } } },
  )
  const samples = Math.round(p.seconds * p.rateHz)
  const expected = Math.floor(samples / p.window)
  await mesh.start('bridge', `${mode}-replay`, [
    '--logLevel',
    'warn',
    '--mode',
    'replay',
    '--device',
    device,
    '--replay.file',
    file,
    '--replay.speed',
    mode === 'stream' ? '1' : '0',
  ])
  const topic = `sluice/${device}/v/window/w`
  // Every aggregate received, with when its message came (one message may carry several).
  const results = () =>
    mesh.observed
      .filter((m) => m.topic === topic)
      .flatMap((m) => {
        const d = decodeWindows(m.payload)
        return d.ok ? d.value.map((agg) => ({ at: m.at, agg })) : []
      })
  await until(
    () => results().length >= expected,
    (p.seconds + 60) * 1000,
    `${mode}: every window result`,
  )
  const peak = proc.usage()?.peakRssBytes ?? NaN
  const aggs = results().map(({ at, agg }) => ({ at, seqTo: agg.seqTo, ingestMax: agg.ingestMax }))
  // The recording's timeline: sample k happens at k / rate. A stream reads it at that pace, from its first
  // sample's ingest; a batch job starts once the whole recording exists, at `seconds`, from its first read.
  const origin =
    mode === 'stream'
      ? Math.min(...aggs.map((a) => a.ingestMax - (a.seqTo * 1000) / p.rateHz))
      : Math.min(...aggs.map((a) => a.ingestMax))
  const offset = mode === 'stream' ? 0 : p.seconds
  const availableAt = aggs.map((a) => offset + (a.at - origin) / 1000)
  const latency = aggs.map((a, i) => availableAt[i]! - (a.seqTo + 1) / p.rateHz)
  return {
    mode,
    results: aggs.length,
    firstResultS: Math.min(...availableAt),
    lastResultS: Math.max(...availableAt),
    meanLatencyS: mean(latency),
    p95LatencyS: quantile(latency, 0.95),
    peakRssMb: peak / 2 ** 20,
    availableAt,
  }
}

function cumulative(times: readonly number[]): { x: number; y: number }[] {
  const sorted = [...times].sort((a, b) => a - b)
  const points = [{ x: 0, y: 0 }]
  sorted.forEach((t, i) => {
    points.push({ x: t, y: i }, { x: t, y: i + 1 })
  })
  return points
}

async function run(p: Params, progress: Progress): Promise<LabOutcome> {
  const samples = Math.round(p.seconds * p.rateHz)
  const t0 = 1_700_000_000_000
  const sim = createSimulator({
    startTime: t0,
    devices: [
      {
        id: 'rec',
        rateHz: p.rateHz,
        channels: [{ name: 'v', base: 500, amplitude: 100, periodMs: 10_000, noiseStd: 5 }],
      },
    ],
    maxLinesPerAdvance: samples,
  })
  const rows = sim
    .advance(t0 + ((samples - 1) * 1000) / p.rateHz)
    .map((l) => ({ seq: l.seq, t: l.t, values: l.values }))
  const mesh = await createLabMesh({ observe: [windowFilter('sluice', '+', 'v', 'w')] })
  try {
    const file = join(mesh.dir, 'recording.csv')
    await writeRecording(file, ['v'], rows)
    progress(
      `stream: ${samples} samples at their recorded pace (${p.seconds} s), windows of ${p.window}`,
    )
    const stream = await runMode(mesh, p, 'stream', file)
    progress('batch: the same recording as fast as it goes, once it is complete')
    const batch = await runMode(mesh, p, 'batch', file)
    const runs = [stream, batch]
    return {
      table: {
        columns: [
          'mode',
          'results',
          'first result s',
          'last result s',
          'mean latency s',
          'p95 latency s',
          'peak RSS MB',
        ],
        rows: runs.map((r) => [
          r.mode,
          r.results,
          round(r.firstResultS),
          round(r.lastResultS),
          round(r.meanLatencyS),
          round(r.p95LatencyS),
          round(r.peakRssMb),
        ]),
      },
      plots: [
        {
          file: 'batch-stream.svg',
          svg: lineChart(
            `Results available over time: ${p.seconds} s recording, windows of ${p.window}`,
            'seconds since the recording began',
            'window results available',
            [
              { name: 'stream', points: cumulative(stream.availableAt) },
              { name: 'batch', points: cumulative(batch.availableAt) },
            ],
          ),
        },
      ],
      notes: [
        `A stream's first result comes one window (${round(p.window / p.rateHz)} s) after the data starts, and each result a few milliseconds after its last sample; a batch job waits for the whole recording (${p.seconds} s), then gives every result at once, so its latency is half the recording on average.`,
        "Peak RSS is the windowing process's VmHWM from /proc: both hold only the open windows (O(1) per window), so the batch costs memory only in its queues while the burst passes. A batch that loads the file whole would hold every sample.",
      ],
      data: { runs: runs.map((r) => ({ ...r, availableAt: undefined })) },
    }
  } finally {
    await mesh.close()
  }
}

/** `sluice lab batch-stream`. */
export const batchStreamExperiment: Experiment<Params> = {
  name: 'batch-stream',
  title: 'Batch vs stream',
  summary:
    'The same recording processed as a stream at its recorded pace and as a batch once complete: time to the first result, latency per result, peak memory.',
  defaults,
  help: {
    seconds: 'length of the recording (s): the stream run takes this long',
    rateHz: 'samples per second in the recording',
    window: 'count window size (tumbling), samples',
  },
  tryThis: [
    'sluice lab batch-stream --window 10      # smaller windows: the stream answers sooner, the batch does not',
    'sluice lab batch-stream --seconds 60     # a longer recording: the batch latency grows with it',
  ],
  run,
}
