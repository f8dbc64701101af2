import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, sep } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runReplay, type ReplayIo } from '../src/commands/replay.js'
import {
  alarmFigures,
  crossValidate,
  labelCorpus,
  parseNabCsv,
  runDetector,
  scoreCorpus,
  type NabCorpus,
} from '@sluice/nab'
import { loadCorpus, resolveNabDir } from '@sluice/nab/files'

function capture(): ReplayIo & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    out(text: string) {
      io.stdout += text
    },
    err(text: string) {
      io.stderr += text
    },
  }
  return io
}

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-replay-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('NAB corpus location', () => {
  it('takes SLUICE_NAB_DIR when set, else ../shared/datasets/nab beside the repository root', () => {
    expect(resolveNabDir({ SLUICE_NAB_DIR: '/data/nab' })).toBe('/data/nab')
    expect(resolveNabDir({}).split(sep).slice(-3)).toEqual(['shared', 'datasets', 'nab'])
  })
})

describe('sluice replay', () => {
  it('prints usage with --help and exits 0', async () => {
    const io = capture()
    expect(await runReplay(['--help'], io)).toBe(0)
    expect(io.stdout).toMatch(/--nab/)
  })

  it('exits 2 and names the problem on an unknown detector, a bad flag or a missing input', async () => {
    const io = capture()
    expect(await runReplay(['--nab', '--detector', 'nope'], io)).toBe(2)
    expect(io.stderr).toMatch(/Unknown detector "nope"/)
    expect(await runReplay(['--bogus'], capture())).toBe(2)
    expect(await runReplay([], capture())).toBe(2)
    expect(await runReplay(['--csv', 'x.csv', '--set', 'window'], capture())).toBe(2)
  })

  it('scores every row of a CSV in order, in [0, 1], and flags a jump outside the range seen', async () => {
    const rows = ['timestamp,value']
    for (let i = 0; i < 500; i++) {
      const minute = String(i % 60).padStart(2, '0')
      const hour = String(Math.floor(i / 60)).padStart(2, '0')
      rows.push(`2020-01-01 ${hour}:${minute}:00,${i === 400 ? 1000 : 10 + (i % 7)}`)
    }
    const input = join(dir, 'in.csv')
    const output = join(dir, 'out.csv')
    await writeFile(input, rows.join('\n') + '\n')
    const io = capture()
    const code = await runReplay(['--csv', input, '--detector', 'novelty', '--out', output], io)
    expect(code, io.stderr).toBe(0)
    const { timestamps, values } = parseNabCsv(await readFile(output, 'utf8'), 'anomaly_score')
    expect(timestamps).toHaveLength(500)
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0)
    expect(Math.max(...values)).toBeLessThanOrEqual(1)
    expect(values[400]).toBe(1)
    expect(values[399]).toBeLessThan(0.9)
  })

  it('passes detector options from --options and --set to the detector', async () => {
    const input = join(dir, 'flat.csv')
    await writeFile(input, 'timestamp,value\n1,1\n2,1\n3,5\n')
    const io = capture()
    // minSamples 1: the third point (a flat signal that moves) is an excursion already.
    // learnSamples 0: no learning period either (by default novelty learns for 150 points).
    expect(
      await runReplay(['--csv', input, '--options', '{"minSamples":1,"learnSamples":0}'], io),
    ).toBe(0)
    expect(io.stdout.trim().split('\n').at(-1)).toBe('3,1')
    const late = capture()
    expect(await runReplay(['--csv', input, '--set', 'minSamples=20'], late)).toBe(0)
    expect(late.stdout.trim().split('\n').at(-1)).not.toBe('3,1')
  })
})

const nabDir = resolveNabDir()
const present = existsSync(join(nabDir, 'labels', 'combined_windows.json'))

describe.skipIf(!present)('sluice replay on the NAB corpus', () => {
  let corpus: NabCorpus
  beforeAll(async () => {
    corpus = await loadCorpus(nabDir)
  })

  it('scores the published windowedGaussian results as 39.65 with --reference', async () => {
    const io = capture()
    expect(
      await runReplay(['--nab', '--score', '--reference', 'windowedGaussian', '--json'], io),
    ).toBe(0)
    const report = JSON.parse(io.stdout) as Record<
      string,
      { profile: string; normalized: number }[]
    >
    expect(report['windowedGaussian']![0]!.normalized.toFixed(2)).toBe('39.65')
  })

  it('scores one corpus file given with --csv against its own labels', async () => {
    const io = capture()
    const input = join(nabDir, 'data', 'realKnownCause', 'nyc_taxi.csv')
    const out = join(dir, 'taxi.csv')
    expect(
      await runReplay(['--csv', input, '--score', '--json', '--out', out], io),
      io.stderr,
    ).toBe(0)
    const report = JSON.parse(io.stdout) as Record<string, { profile: string; tp: number }[]>
    expect(report['novelty']!.map((r) => r.profile)).toEqual([
      'standard',
      'reward_low_FP_rate',
      'reward_low_FN_rate',
    ])
    // Four of the five nyc_taxi holidays are found (docs/anomaly.md).
    expect(report['novelty']![0]!.tp).toBeGreaterThan(0)
  })

  it('scores the novelty detector above 60 on the standard profile with one configuration', () => {
    const scores = corpus.files.map(
      (f) => runDetector({ name: 'novelty' }, f.timestamps, f.values).scores,
    )
    const [standard, lowFp, lowFn] = scoreCorpus(
      corpus.profiles,
      labelCorpus(corpus),
      scores,
      corpus.windowCount,
    )
    // Measured with the committed defaults: 68.37 / 55.89 / 74.32 at threshold 0.9.
    expect(standard!.normalized).toBeGreaterThan(60)
    expect(lowFp!.normalized).toBeGreaterThan(50)
    expect(lowFn!.normalized).toBeGreaterThan(65)
  })

  it('cross-validates within 3 points of the whole-corpus score, and counts false alarms per 1000 normal rows', () => {
    const runs = corpus.files.map((f) => runDetector({ name: 'novelty' }, f.timestamps, f.values))
    const labels = labelCorpus(corpus)
    const scores = runs.map((r) => r.scores)
    const whole = scoreCorpus(corpus.profiles, labels, scores, corpus.windowCount)
    const cv = crossValidate(corpus.profiles, labels, scores, corpus.windowCount)
    expect(cv.map((c) => c.profile)).toEqual(whole.map((w) => w.profile))
    cv.forEach((c, i) => expect(Math.abs(c.normalized - whole[i]!.normalized)).toBeLessThan(3))
    const alarms = alarmFigures(corpus.files.map((f, i) => ({ ...f, alerts: runs[i]!.alerts })))
    // Measured: 625 episodes, 449 outside the windows: 1.35 per 1000 normal rows; 100 of 116 windows.
    expect(alarms.windows).toBe(corpus.windowCount)
    expect(alarms.falseAlarmsPer1000).toBeGreaterThan(0.5)
    expect(alarms.falseAlarmsPer1000).toBeLessThan(3)
    expect(alarms.windowsFound).toBeGreaterThan(90)
  })
})

describe('sluice replay --detector multivariate', () => {
  it('reads every column of a device recording and flags the row that breaks their relation', async () => {
    const rows = ['timestamp,current,pressure,flow']
    for (let i = 0; i < 600; i++) {
      // Near the load's peak at row 408, flow goes the wrong way while staying inside its range.
      const load = Math.sin(i / 20) + 0.01 * Math.cos(i * 7.3)
      const noise = (k: number) => 0.02 * Math.sin(i * k)
      const flow = (i === 408 ? 60 - 15 * load : 60 + 15 * load) + 10 * noise(5.7)
      rows.push(`${i * 1000},${12 + 3 * load + noise(3.1)},${4 + load + noise(4.3)},${flow}`)
    }
    const csv = join(dir, 'pump.csv')
    await writeFile(csv, rows.join('\n') + '\n')
    const io = capture()
    expect(await runReplay(['--csv', csv, '--detector', 'multivariate'], io)).toBe(0)
    const out = io.stdout.trim().split('\n')
    expect(out[0]).toBe('timestamp,anomaly_score,alert,channels')
    expect(out).toHaveLength(601)
    const alerting = out.slice(1).filter((l) => l.split(',')[2] === '1')
    expect(alerting.map((l) => l.split(',')[0])).toEqual(['408000'])
    expect(alerting[0]!.split(',')[3]!.split(';')[0]).toBe('flow')
    expect(io.stderr).toContain('multivariate over current, pressure, flow')
  })

  it('refuses --nab and a one-column CSV', async () => {
    expect(await runReplay(['--nab', '--detector', 'multivariate'], capture())).toBe(2)
    const csv = join(dir, 'one.csv')
    await writeFile(csv, 'timestamp,value\n1,2\n')
    const io = capture()
    expect(await runReplay(['--csv', csv, '--detector', 'multivariate'], io)).toBe(2)
    expect(io.stderr).toMatch(/two or more channel columns/)
  })
})
