/**
 * @module lab/experiments/thresholds
 * Threshold trade-offs (lab level 1): a simulated sensor with injected spikes, shifts and drifts at known
 * sequence numbers, recorded once and replayed through the real bridge into the real anomaly service, as
 * fast as it goes. The recording carries the same signal in one channel per detector setting (the rolling
 * z-score at each threshold, then the default detector), so one anomaly process scores them all on equal
 * terms. Counted from its events: the share of injected anomalies detected, and false alarms per hour of
 * event time.
 */
import { join } from 'node:path'
import { anomalyFilter } from '@sluice/contract'
import { createSimulator, planAnomalies, type AnomalySpec } from '@sluice/stream'
import { lineChart } from '@sluice/plot'
import type { Experiment, LabOutcome, Progress } from '../experiment.js'
import { createLabMesh, until, type LabMesh } from '../mesh.js'
import { writeRecording, type RecordedRow } from '../recording.js'
import { round } from '../table.js'

const defaults = {
  zs: [2, 2.5, 3, 4] as readonly number[],
  minutes: 60,
  rateHz: 10,
  anomalies: 24,
  noise: 5,
  spike: 30,
  shift: 15,
  drift: 20,
  window: 100,
}

type Params = typeof defaults

/** One detector setting, as measured. */
export interface ThresholdRun {
  readonly detector: string
  readonly detected: number
  readonly injected: number
  readonly detectionRate: number
  readonly falseAlarms: number
  readonly falseAlarmsPerHour: number
}

/** How long after its start an injected anomaly may be reported and still count as found (samples). */
export function detectionWindow(a: AnomalySpec): number {
  return a.kind === 'spike' ? 10 : a.kind === 'shift' ? 200 : (a.duration ?? 100) + 200
}

/**
 * Scores events against the injected anomalies: an anomaly is detected when an event falls in
 * [at, at + detectionWindow]; an event in no such window is a false alarm.
 */
export function scoreEvents(
  events: readonly number[],
  injected: readonly AnomalySpec[],
): { detected: number; falseAlarms: number } {
  const found = new Set<number>()
  let falseAlarms = 0
  for (const seq of events) {
    const i = injected.findIndex((a) => seq >= a.at && seq <= a.at + detectionWindow(a))
    if (i >= 0) found.add(i)
    else falseAlarms++
  }
  return { detected: found.size, falseAlarms }
}

const channelOf = (z: number): string => `z${String(z).replace('.', '_')}`

/** The recording: a simulated sensor with the planned anomalies, one copy of it per detector setting. */
function simulateRecording(p: Params): {
  samples: number
  plan: AnomalySpec[]
  channels: string[]
  rows: RecordedRow[]
} {
  const samples = Math.round(p.minutes * 60 * p.rateHz)
  const warmup = Math.min(600, Math.floor(samples / 10))
  const plan = planAnomalies({
    seed: 11,
    count: p.anomalies,
    from: warmup,
    to: samples,
    magnitude: { spike: p.spike, shift: p.shift, drift: p.drift },
    alternate: true,
  })
  const t0 = 1_700_000_000_000
  const sim = createSimulator({
    startTime: t0,
    devices: [
      {
        id: 'th',
        rateHz: p.rateHz,
        channels: [
          {
            name: 'v',
            base: 500,
            amplitude: 20,
            periodMs: 600_000,
            noiseStd: p.noise,
            anomalies: plan,
          },
        ],
      },
    ],
    maxLinesPerAdvance: samples,
  })
  const channels = [...p.zs.map(channelOf), 'default']
  const rows: RecordedRow[] = sim
    .advance(t0 + ((samples - 1) * 1000) / p.rateHz)
    .map((l) => ({ seq: l.seq, t: l.t, values: channels.map(() => l.values[0]!) }))
  return { samples, plan, channels, rows }
}

/** Each detector setting's events (one channel each), scored against the plan. */
function scoreChannels(
  p: Params,
  observed: LabMesh['observed'],
  channels: readonly string[],
  plan: readonly AnomalySpec[],
): ThresholdRun[] {
  return channels.map((ch, i) => {
    const seqs = observed
      .filter((m) => m.topic === `sluice/th/${ch}/anomaly`)
      .map((m) => (m.json as { seq?: number }).seq ?? -1)
    const s = scoreEvents(seqs, plan)
    return {
      detector: i < p.zs.length ? `zscore z=${p.zs[i]}` : 'default (novelty)',
      detected: s.detected,
      injected: plan.length,
      detectionRate: s.detected / plan.length,
      falseAlarms: s.falseAlarms,
      falseAlarmsPerHour: s.falseAlarms / (p.minutes / 60),
    }
  })
}

/** The table, the trade-off plot and the notes. */
function thresholdsOutcome(
  p: Params,
  runs: ThresholdRun[],
  plan: readonly AnomalySpec[],
  samples: number,
): LabOutcome {
  const zRuns = runs.slice(0, p.zs.length)
  return {
    table: {
      columns: ['detector', 'detected', 'detection rate', 'false alarms', 'false alarms/hour'],
      rows: runs.map((r) => [
        r.detector,
        `${r.detected}/${r.injected}`,
        `${round(r.detectionRate * 100)} %`,
        r.falseAlarms,
        round(r.falseAlarmsPerHour),
      ]),
    },
    plots: [
      {
        file: 'thresholds.svg',
        svg: lineChart(
          `Detection rate against false alarms (zscore at z = ${p.zs.join(', ')})`,
          'false alarms per hour',
          'detection rate (%)',
          [
            {
              name: 'zscore',
              dots: true,
              points: zRuns
                .map((r) => ({ x: r.falseAlarmsPerHour, y: r.detectionRate * 100 }))
                .sort((a, b) => a.x - b.x),
            },
            {
              name: 'default (novelty)',
              dots: true,
              points: runs
                .slice(p.zs.length)
                .map((r) => ({ x: r.falseAlarmsPerHour, y: r.detectionRate * 100 })),
            },
          ],
          { yMax: 105 },
        ),
      },
    ],
    notes: [
      `Injected: ${plan.length} anomalies (spikes of ${p.spike}, shifts of ${p.shift}, drifts of ${p.drift}, in turn) on noise σ ${p.noise}; an event counts as a detection within ${detectionWindow({ kind: 'spike', at: 0, magnitude: 0 })} samples of a spike, 200 of a shift, the ramp + 200 of a drift; any other event is a false alarm.`,
      'A lower threshold finds more and cries wolf more often: on Gaussian noise |z| > 2 happens 4.6 % of the time, |z| > 3 0.27 %, |z| > 4 0.006 % (the debounce then merges neighbours into one event).',
    ],
    data: { runs, samples },
  }
}

async function run(p: Params, progress: Progress): Promise<LabOutcome> {
  const { samples, plan, channels, rows } = simulateRecording(p)
  const mesh = await createLabMesh({ observe: [anomalyFilter('sluice', 'th')] })
  try {
    const file = join(mesh.dir, 'th.csv')
    await writeRecording(file, channels, rows)
    const sensors: Record<string, unknown> = {}
    for (const z of p.zs)
      sensors[`th/${channelOf(z)}`] = {
        name: 'zscore',
        window: p.window,
        thresholds: { alert: z, unusual: Math.min(2, z), veryUnusual: Math.max(3, z) },
      }
    progress(
      `${samples} samples (${p.minutes} min at ${p.rateHz} Hz) with ${plan.length} injected anomalies, ${channels.length} detector settings`,
    )
    const anomaly = await mesh.start(
      'anomaly',
      'th',
      // block: the replay goes as fast as the bridge can send; the consumer must not shed any of it.
      ['--logLevel', 'warn', '--metricsIntervalMs', '200', '--hops.raw.queue.policy', 'block'],
      { sensors },
    )
    await mesh.start('bridge', 'th', [
      '--logLevel',
      'warn',
      '--mode',
      'replay',
      '--device',
      'th',
      '--replay.file',
      file,
      '--replay.speed',
      '0',
    ])
    // Done when the anomaly hop has handled every sample of every channel.
    await until(
      () => {
        const m = mesh.metricsOf('anomaly', 'th').at(-1)?.hops.raw
        return m !== undefined && m.out >= samples * channels.length
      },
      110_000,
      `the anomaly service handling all ${samples * channels.length} samples`,
    )
    await anomaly.stop()
    return thresholdsOutcome(p, scoreChannels(p, mesh.observed, channels, plan), plan, samples)
  } finally {
    await mesh.close()
  }
}

/** `sluice lab thresholds`. */
export const thresholdsExperiment: Experiment<Params> = {
  name: 'thresholds',
  title: 'Threshold trade-offs',
  summary:
    'Detection rate and false alarms per hour of the rolling z-score at each threshold, and of the default detector, on a simulated sensor with injected anomalies.',
  defaults,
  help: {
    zs: 'z-score thresholds',
    minutes: 'minutes of event time to simulate',
    rateHz: 'samples per second',
    anomalies: 'anomalies to inject (spike, shift, drift in turn)',
    noise: 'noise standard deviation σ',
    spike: 'spike height',
    shift: 'level shift size',
    drift: 'drift size after its ramp',
    window: 'z-score baseline window (samples)',
  },
  tryThis: [
    'sluice lab thresholds --spike 60 --shift 30   # bigger anomalies: every threshold finds them',
    'sluice lab thresholds --window 1000            # a longer baseline: steadier, slower to adapt',
    'sluice lab thresholds --zs 1.5,5               # the two ends of the curve',
  ],
  run,
}
