/**
 * @module lab/experiments/windows
 * Window size and overlap (lab level 1): a noisy level with a step, replayed through the real bridge as
 * fast as it goes, into one windowing process per (size, overlap), all at once. Each process's results
 * give the smoothness (std of the windowed mean before the step, against σ/√size), the lag to the step
 * (samples until the mean is half-way up, against size/2), and its CPU time from /proc gives the cost per
 * sample, next to the work factor size/stride that overlap multiplies it by.
 */
import { join } from 'node:path'
import { decodeWindows, windowFilter, type WindowAggregate } from '@sluice/contract'
import { lineChart, type LineSeries } from '@sluice/plot'
import { CliUsageError } from '../../errors.js'
import type { Experiment, LabOutcome, Progress } from '../experiment.js'
import { createLabMesh, until, type LabProcess } from '../mesh.js'
import { stepSignal, writeRecording } from '../recording.js'
import { round, std } from '../table.js'
import { overlapOf, strideFor, workFactor } from '../theory.js'

const defaults = {
  sizes: [10, 20, 50, 100] as readonly number[],
  overlaps: [0, 0.5, 0.75, 0.9] as readonly number[],
  samples: 6000,
  rateHz: 100,
  noise: 10,
  step: 50,
}

type Params = typeof defaults

/** One window configuration, as measured. */
export interface WindowRun {
  readonly size: number
  readonly stride: number
  readonly overlap: number
  /** Results per input sample, relative to tumbling windows of the same size (size / stride). */
  readonly workFactor: number
  readonly results: number
  /** Std of the windowed mean before the step, and σ/√size. */
  readonly smoothness: number
  readonly expectedSmoothness: number
  /** Samples from the step until the windowed mean is half-way up (the last sample of that window). */
  readonly lagSamples: number
  readonly cpuMicrosPerSample: number
}

/** Results a count window of `size`/`stride` emits over `n` samples. */
export function expectedResults(n: number, size: number, stride: number): number {
  return n < size ? 0 : Math.floor((n - size) / stride) + 1
}

interface Config {
  readonly name: string
  readonly size: number
  readonly stride: number
}

function configs(p: Params): Config[] {
  const out: Config[] = []
  for (const size of p.sizes)
    for (const overlap of p.overlaps) {
      if (!(overlap >= 0 && overlap < 1))
        throw new CliUsageError(`--overlaps: ${overlap} is not in [0, 1)`)
      const stride = strideFor(size, overlap)
      if (!out.some((c) => c.size === size && c.stride === stride))
        out.push({ name: `s${size}-k${stride}`, size, stride })
    }
  return out
}

function measure(
  c: Config,
  aggs: readonly WindowAggregate[],
  p: Params,
  stepAt: number,
  cpuSeconds: number,
): WindowRun {
  const before = aggs.filter((a) => a.seqTo < stepAt).map((a) => a.mean)
  const half = p.step / 2 + (p.step > 0 ? 0 : 0)
  const base = 500
  const up = aggs.find((a) => a.seqTo >= stepAt && Math.abs(a.mean - base) >= Math.abs(half))
  return {
    size: c.size,
    stride: c.stride,
    overlap: overlapOf(c.size, c.stride),
    workFactor: workFactor(c.size, c.stride),
    results: aggs.length,
    smoothness: std(before),
    expectedSmoothness: p.noise / Math.sqrt(c.size),
    lagSamples: up === undefined ? NaN : up.seqTo - stepAt + 1,
    cpuMicrosPerSample: (cpuSeconds / p.samples) * 1e6,
  }
}

function stepPlot(
  runs: readonly WindowRun[],
  series: Map<string, WindowAggregate[]>,
  stepAt: number,
  p: Params,
): string {
  const overlap = Math.max(...runs.map((r) => r.overlap))
  const lines: LineSeries[] = []
  for (const r of runs) {
    if (r.overlap !== overlap && !(r.stride === 1)) continue
    const aggs = series.get(`s${r.size}-k${r.stride}`) ?? []
    lines.push({
      name: `size ${r.size}, ${round(r.overlap * 100)} %`,
      points: aggs
        .filter((a) => a.seqTo >= stepAt - 3 * r.size && a.seqTo <= stepAt + 2 * r.size)
        .map((a) => ({ x: a.seqTo - stepAt, y: a.mean })),
    })
  }
  return lineChart(
    `Windowed mean around a step of ${p.step} (noise σ ${p.noise})`,
    'samples after the step (last sample of each window)',
    'windowed mean',
    lines,
    { yMin: 500 - p.step * 0.5, yMax: 500 + p.step * 1.5 },
  )
}

function cpuPlot(runs: readonly WindowRun[], p: Params): string {
  const series: LineSeries[] = p.sizes.map((size) => ({
    name: `size ${size}`,
    dots: true,
    points: runs
      .filter((r) => r.size === size)
      .map((r) => ({ x: r.overlap * 100, y: r.cpuMicrosPerSample })),
  }))
  return lineChart(
    'CPU per sample of the windowing process',
    'overlap (%)',
    'µs of CPU per sample',
    series,
  )
}

async function run(p: Params, progress: Progress): Promise<LabOutcome> {
  const cs = configs(p)
  const stepAt = Math.floor(p.samples / 2)
  const mesh = await createLabMesh({ observe: [windowFilter('sluice', 'step')] })
  try {
    const file = join(mesh.dir, 'step.csv')
    await writeRecording(
      file,
      ['level'],
      stepSignal({
        samples: p.samples,
        rateHz: p.rateHz,
        base: 500,
        noiseStd: p.noise,
        step: p.step,
        stepAt,
        seed: 7,
        t0: 1_700_000_000_000,
      }),
    )
    progress(`starting ${cs.length} windowing processes, one per (size, stride)`)
    const procs: LabProcess[] = await Promise.all(
      cs.map((c) =>
        mesh.start('window', c.name, ['--logLevel', 'warn', '--idleAfterMs', '0'], {
          windows: { [c.name]: { type: 'count', size: c.size, stride: c.stride } },
        }),
      ),
    )
    const cpu0 = procs.map((pr) => pr.usage()?.cpuSeconds ?? 0)
    progress(
      `replaying ${p.samples} samples (a step of ${p.step} at sample ${stepAt}) as fast as they go`,
    )
    await mesh.start('bridge', 'replay', [
      '--logLevel',
      'warn',
      '--mode',
      'replay',
      '--device',
      'step',
      '--replay.file',
      file,
      '--replay.speed',
      '0',
    ])
    const series = new Map<string, WindowAggregate[]>(cs.map((c) => [c.name, []]))
    let seen = 0
    const collect = (): void => {
      for (; seen < mesh.observed.length; seen++) {
        const m = mesh.observed[seen]!
        const name = m.topic.split('/').pop()!
        const list = series.get(name)
        if (list === undefined || !m.topic.includes('/window/')) continue
        const d = decodeWindows(m.payload)
        if (d.ok) list.push(...d.value)
      }
    }
    await until(
      () => {
        collect()
        return cs.every(
          (c) => series.get(c.name)!.length >= expectedResults(p.samples, c.size, c.stride),
        )
      },
      100_000,
      'every window result',
    )
    const runs = cs.map((c, i) =>
      measure(c, series.get(c.name)!, p, stepAt, (procs[i]!.usage()?.cpuSeconds ?? NaN) - cpu0[i]!),
    )
    return {
      table: {
        columns: [
          'size',
          'stride',
          'overlap',
          'results',
          'work ×',
          'std of mean',
          'σ/√size',
          'lag (samples)',
          'lag ms',
          'CPU µs/sample',
        ],
        rows: runs.map((r) => [
          r.size,
          r.stride,
          `${round(r.overlap * 100)} %`,
          r.results,
          round(r.workFactor),
          round(r.smoothness),
          round(r.expectedSmoothness),
          r.lagSamples,
          round((r.lagSamples * 1000) / p.rateHz),
          round(r.cpuMicrosPerSample),
        ]),
      },
      plots: [
        { file: 'windows-step.svg', svg: stepPlot(runs, series, stepAt, p) },
        { file: 'windows-cpu.svg', svg: cpuPlot(runs, p) },
      ],
      notes: [
        'Overlap = (size − stride) / size; a window is emitted every stride samples, so each sample takes part in size/stride results ("work ×"): 4 at 75 %, 10 at 90 %.',
        'A bigger window is smoother (the std of its mean falls as σ/√size) and slower to follow a step (about size/2 samples, plus up to a stride until the next result); overlap does not smooth more, it only gives results more often, so the lag to the step shrinks toward size/2.',
        "CPU µs/sample is the windowing process's CPU time (from /proc) over the run divided by the samples: a fixed cost per sample (decoding, queueing) plus one per result (encoding, publishing). On a shared machine it varies from run to run by ±20 %.",
      ],
      data: { runs, stepAt },
    }
  } finally {
    await mesh.close()
  }
}

/** `sluice lab windows`. */
export const windowsExperiment: Experiment<Params> = {
  name: 'windows',
  title: 'Window size and overlap',
  summary:
    'Smoothness, lag to a step and CPU per sample for count windows of each size and overlap, on a noisy signal with a step.',
  defaults,
  help: {
    sizes: 'window sizes (samples)',
    overlaps: 'overlaps as fractions in [0, 1): stride = round(size × (1 − overlap)), at least 1',
    samples: 'samples in the recording (the step is half-way)',
    rateHz: 'recorded sample rate, to turn lags into milliseconds',
    noise: 'noise standard deviation σ',
    step: 'height of the step',
  },
  tryThis: [
    'sluice lab windows --sizes 200 --overlaps 0,0.5   # smoother still, and half a window late',
    'sluice lab windows --noise 0                     # no noise: std 0, and the lag is pure geometry',
    'sluice lab windows --overlaps 0.75,0.96          # 4× and 25× the results per sample',
  ],
  run,
}
