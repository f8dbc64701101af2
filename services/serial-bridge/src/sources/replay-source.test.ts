import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { channelsFromColumns, createReplaySource } from './replay-source.js'
import type { Reading } from './source.js'

const dir = mkdtempSync(join(tmpdir(), 'sluice-replay-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function nabFile(rows: number): string {
  const file = join(dir, `nab-${rows}.csv`)
  const lines = ['timestamp,value']
  for (let i = 0; i < rows; i++) {
    lines.push(
      `${new Date(Date.UTC(2015, 1, 26, 0, 0, i)).toISOString().slice(0, 19).replace('T', ' ')},${i * 2}`,
    )
  }
  writeFileSync(file, `${lines.join('\n')}\n`)
  return file
}

function sink(congestion = () => 0) {
  const readings: Reading[] = []
  return { readings, reading: (r: Reading) => readings.push(r), congestion }
}

describe('createReplaySource', () => {
  it('replays every row in order at full speed with the recorded times', async () => {
    const s = sink()
    const replay = createReplaySource({
      device: 'nab',
      file: nabFile(1200),
      speed: 0,
      time: 'recorded',
      loop: false,
    })
    await replay.start(s)
    await replay.done
    expect(replay.channels).toEqual(['value'])
    expect(s.readings).toHaveLength(1200)
    expect(s.readings.map((r) => r.seq)).toEqual(Array.from({ length: 1200 }, (_, i) => i))
    expect(s.readings[3]).toMatchObject({
      device: 'nab',
      seq: 3,
      t: Date.UTC(2015, 1, 26, 0, 0, 3),
      values: [6],
    })
    expect(s.readings.every((r) => r.ingest > 1.7e12)).toBe(true)
  })

  it('sends no more rows at once than the outbound queue has room for, however wide the rows', async () => {
    const file = join(dir, 'wide.csv')
    const header = ['timestamp', ...Array.from({ length: 20 }, (_, c) => `c${c}`)].join(',')
    const rows = Array.from({ length: 1200 }, (_, i) =>
      [
        new Date(Date.UTC(2015, 1, 26, 0, 0, i)).toISOString().slice(0, 19).replace('T', ' '),
        ...Array.from({ length: 20 }, (_, c) => i + c),
      ].join(','),
    )
    writeFileSync(file, `${[header, ...rows].join('\n')}\n`)
    // A queue of 1 000 samples, emptied every 2 ms: 500 rows of 20 columns would be ten times that.
    let used = 0
    let most = 0
    const readings: Reading[] = []
    const replay = createReplaySource({ device: 'wide', file, speed: 0, time: 'recorded', loop: false })
    const drain = setInterval(() => (used = 0), 2)
    await replay.start({
      reading: (r) => {
        readings.push(r)
        used += r.values.length
        most = Math.max(most, used)
      },
      congestion: () => used / 1000,
      room: () => 1000 - used,
    })
    await replay.done
    clearInterval(drain)
    expect(readings.map((r) => r.seq)).toEqual(Array.from({ length: 1200 }, (_, i) => i))
    expect(most).toBeLessThanOrEqual(1000)
  })

  it("replays a machine recording's channels under their header names, without its label columns", async () => {
    const file = join(dir, 'skab.csv')
    writeFileSync(
      file,
      'datetime;Accelerometer1RMS;Volume Flow RateRMS;anomaly;changepoint\n' +
        '2020-03-09 10:14:33;0.0265878;32.0;0.0;0.0\n' +
        '2020-03-09 10:14:34;0.0261697;31.0;1.0;1.0\n',
    )
    const s = sink()
    const replay = createReplaySource({
      device: 'pump',
      file,
      skipColumns: ['anomaly', 'changepoint'],
      speed: 0,
      time: 'recorded',
      loop: false,
    })
    await replay.start(s)
    await replay.done
    expect(replay.channels).toEqual(['accelerometer1rms', 'volume-flow-raterms'])
    expect(s.readings.map((r) => [r.seq, r.t, r.values])).toEqual([
      [0, Date.UTC(2020, 2, 9, 10, 14, 33), [0.0265878, 32]],
      [1, Date.UTC(2020, 2, 9, 10, 14, 34), [0.0261697, 31]],
    ])
  })

  it('paces rows by the recorded interval divided by the speed factor', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    try {
      const s = sink()
      // 5 rows one second apart at 100×: one row every 10 ms of (fake) wall time.
      const replay = createReplaySource({
        device: 'nab',
        file: nabFile(5),
        speed: 100,
        time: 'recorded',
        loop: false,
        now: () => Date.now(),
      })
      await replay.start(s)
      const t0 = Date.now()
      await vi.advanceTimersByTimeAsync(100)
      await replay.done
      expect(s.readings.map((r) => r.ingest - t0)).toEqual([0, 10, 20, 30, 40])
    } finally {
      vi.useRealTimers()
    }
  })

  it('waits while the outbound queue is over half full, then goes on', async () => {
    let congested = true
    const s = sink(() => (congested ? 0.9 : 0))
    const replay = createReplaySource({
      device: 'nab',
      file: nabFile(1200),
      speed: 0,
      time: 'recorded',
      loop: false,
    })
    await replay.start(s)
    await new Promise((r) => setTimeout(r, 50))
    expect(s.readings).toHaveLength(500)
    congested = false
    await replay.done
    expect(s.readings).toHaveLength(1200)
  })

  it('loops with continuing sequence numbers and times, and stops on request', async () => {
    const s = sink()
    const replay = createReplaySource({
      device: 'nab',
      file: nabFile(3),
      speed: 0,
      time: 'recorded',
      loop: true,
    })
    await replay.start(s)
    while (s.readings.length < 9) await new Promise((r) => setTimeout(r, 1))
    await replay.stop()
    expect(s.readings.slice(0, 7).map((r) => r.seq)).toEqual([0, 1, 2, 3, 4, 5, 6])
    expect(s.readings[3]!.t - s.readings[0]!.t).toBe(3000)
  })

  it('fails clearly on a missing file or a channel count mismatch', async () => {
    await expect(
      createReplaySource({
        device: 'x',
        file: join(dir, 'nope.csv'),
        speed: 0,
        time: 'recorded',
        loop: false,
      }).start(sink()),
    ).rejects.toThrow(/Cannot read replay file .*nope.csv/)
    await expect(
      createReplaySource({
        device: 'x',
        file: nabFile(2),
        channels: ['a', 'b'],
        speed: 0,
        time: 'recorded',
        loop: false,
      }).start(sink()),
    ).rejects.toThrow(/1 value column\(s\) \(value\) but 2 channel\(s\)/)
  })
})

describe('channelsFromColumns', () => {
  it('makes each column a channel id, and numbers what is empty or taken', () => {
    expect(channelsFromColumns(['light', 'Volume Flow RateRMS', '%', 'temp_1', 'light'])).toEqual([
      'light',
      'volume-flow-raterms',
      'v3',
      'temp_1',
      'v5',
    ])
  })
})
