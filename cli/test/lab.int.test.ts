/**
 * `sluice lab`: each experiment runs on the real mesh (the embedded broker, the built bridge, windowing,
 * anomaly and forwarder as processes) with small parameters, and its measured table is checked against the
 * answers theory gives: overlap arithmetic, time to overflow, the loss of drop-oldest at 2×, the serial
 * line rates within 10 %. Rates are measured on a shared machine, so the tolerances are those of the issue,
 * and a busy machine makes runs slower, not different.
 */
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { requireProgram } from '@sluice/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runLab } from '../src/commands/lab.js'
import type { Params } from '../src/lab/experiment.js'
import { findExperiment } from '../src/lab/experiments.js'
import type { PolicyRun } from '../src/lab/experiments/backpressure.js'
import type { EdgeRun } from '../src/lab/experiments/edge.js'
import type { ModeRun } from '../src/lab/experiments/batch-stream.js'
import type { SerialRun } from '../src/lab/experiments/serial.js'
import type { ThresholdRun } from '../src/lab/experiments/thresholds.js'
import type { WindowRun } from '../src/lab/experiments/windows.js'
import { expectedResults } from '../src/lab/experiments/windows.js'

const built = existsSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'main.js'))
const socat = requireProgram('socat', ['/usr/bin/socat'])

async function measure(name: string, params: Params): Promise<Record<string, unknown>> {
  const e = findExperiment(name)!
  const outcome = await e.run({ ...e.defaults, ...params }, () => undefined)
  return outcome.data
}

describe.skipIf(!built)('sluice lab', () => {
  let out: string
  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'lab-test-'))
  })
  afterAll(async () => {
    await rm(out, { recursive: true, force: true })
  })

  it('window overlap: each configuration emits floor((n − size) / stride) + 1 results, 4× as many at 75 %', async () => {
    const samples = 1000
    const data = await measure('windows', { sizes: [20], overlaps: [0, 0.75], samples })
    const runs = data.runs as WindowRun[]
    expect(runs.map((r) => [r.size, r.stride, r.overlap])).toEqual([
      [20, 20, 0],
      [20, 5, 0.75],
    ])
    for (const r of runs) expect(r.results).toBe(expectedResults(samples, r.size, r.stride))
    expect(runs[1]!.workFactor).toBe(4)
    // a window of 20 follows a step in between half a window and a window
    for (const r of runs) expect(r.lagSamples).toBeGreaterThanOrEqual(10)
    for (const r of runs) expect(r.lagSamples).toBeLessThanOrEqual(20)
  }, 120_000)

  it('backpressure: drop-oldest at 2× sheds about half, and 95 of 100 at 10 in / 8 out overflows after ~2.5 s', async () => {
    const data = await measure('backpressure', { policies: 'drop-oldest', seconds: 4 })
    const [run] = data.runs as PolicyRun[]
    expect(run!.dropRate).toBeGreaterThan(0.4)
    expect(run!.dropRate).toBeLessThan(0.6)
    // Little's law on the measured queue: L = λW within 20 %
    expect(Math.abs(run!.littlesL - run!.meanLength) / run!.meanLength).toBeLessThan(0.2)
    const overflow = data.overflow as { expectedSeconds: number; firstDropAfter: number }
    expect(overflow.expectedSeconds).toBe(2.5)
    expect(overflow.firstDropAfter).toBeGreaterThan(2)
    expect(overflow.firstDropAfter).toBeLessThan(3)
  }, 120_000)

  it.skipIf(!socat.available)(
    'serial: lines per second at 9 600 and 115 200 baud within 10 % of baud / 10 / bytes',
    async () => {
      const data = await measure('serial', { seconds: 2 })
      const runs = data.runs as SerialRun[]
      for (const r of runs.filter((r) => r.expected > 0)) {
        expect(Math.abs(r.measured - r.expected) / r.expected, r.label).toBeLessThan(0.1)
      }
      // a mismatched baud rate publishes nothing and says why
      expect(runs.at(-1)!.measured).toBe(0)
      expect(data.mismatchMessage).toMatch(/baud rate/)
    },
    120_000,
  )

  it('batch vs stream: the stream answers after one window, the batch only after the whole recording', async () => {
    const data = await measure('batch-stream', { seconds: 4, rateHz: 50, window: 25 })
    const [stream, batch] = data.runs as ModeRun[]
    expect(stream!.results).toBe(8)
    expect(batch!.results).toBe(8)
    expect(stream!.firstResultS).toBeGreaterThan(0.4)
    expect(stream!.firstResultS).toBeLessThan(2)
    expect(batch!.firstResultS).toBeGreaterThanOrEqual(4)
    expect(batch!.meanLatencyS).toBeGreaterThan(stream!.meanLatencyS)
  }, 120_000)

  it('thresholds: a higher z finds no more and cries wolf no more often', async () => {
    const data = await measure('thresholds', { minutes: 20, zs: [2, 3, 4], anomalies: 8 })
    const runs = (data.runs as ThresholdRun[]).slice(0, 3)
    for (let i = 1; i < runs.length; i++) {
      expect(runs[i]!.detected).toBeLessThanOrEqual(runs[i - 1]!.detected)
      expect(runs[i]!.falseAlarms).toBeLessThanOrEqual(runs[i - 1]!.falseAlarms)
    }
    expect(runs[0]!.falseAlarms).toBeGreaterThan(runs[2]!.falseAlarms)
  }, 120_000)

  it('edge: 100 Hz raw gets 50 points/s through the limit and spools the rest; windows pass whole', async () => {
    const data = await measure('edge', { seconds: 8 })
    const [raw, win] = data.runs as EdgeRun[]
    expect(raw!.delivered).toBeGreaterThan(40)
    expect(raw!.delivered).toBeLessThan(60)
    expect(raw!.spoolBytes).toBeGreaterThan(0)
    expect(win!.offered).toBe(0.2)
    expect(win!.oldestAgeS).toBeLessThan(raw!.oldestAgeS)
  }, 120_000)

  it('the command prints the table and writes the plots where --out says', async () => {
    let text = ''
    const code = await runLab(['thresholds', '--minutes', '5', '--zs', '2,4', '--out', out], {
      out: (t) => (text += t),
      err: () => undefined,
    })
    expect(code).toBe(0)
    expect(text).toMatch(/zscore z=4\s+\d+\/24/)
    const svg = await readFile(join(out, 'thresholds.svg'), 'utf8')
    expect(svg).toContain('<svg')
    expect(svg).toContain('default (novelty)')
    expect(await runLab(['nope'], { out: () => undefined, err: () => undefined })).toBe(2)
    expect(
      await runLab(['windows', '--sizez', '3'], { out: () => undefined, err: () => undefined }),
    ).toBe(2)
  }, 120_000)
})
