import { createPrng, type Sample, type WindowAggregate } from '@sluice/stream'
import { describe, expect, it } from 'vitest'
import { createSensorWindows, type SensorWindows } from './sensor-windows.js'

const samples = (n: number, f: (i: number) => number): Sample[] =>
  Array.from({ length: n }, (_, i) => ({
    seq: i,
    t: 1000 + i * 10,
    value: f(i),
    ingest: 1000 + i * 10,
  }))

describe('sensor windows', () => {
  it('keeps every configured window separately for every sensor', () => {
    const out: [string, WindowAggregate][] = []
    const w = createSensorWindows(
      { c4: { type: 'count', size: 4, stride: 4 }, c2: { type: 'count', size: 2, stride: 2 } },
      (k, a) => out.push([k, a]),
    )
    w.push(
      'uno/light',
      samples(8, (i) => i),
    )
    w.push(
      'uno/temp',
      samples(4, () => 7),
    )
    expect(w.sensors).toBe(2)
    const light4 = out
      .filter(([k, a]) => k === 'uno/light' && a.window === 'c4')
      .map(([, a]) => a.mean)
    expect(light4).toEqual([1.5, 5.5])
    const light2 = out
      .filter(([k, a]) => k === 'uno/light' && a.window === 'c2')
      .map(([, a]) => a.mean)
    expect(light2).toEqual([0.5, 2.5, 4.5, 6.5])
    const temp = out.filter(([k]) => k === 'uno/temp')
    expect(temp.map(([, a]) => [a.window, a.mean, a.std])).toEqual([
      ['c2', 7, 0],
      ['c4', 7, 0],
      ['c2', 7, 0],
    ])
  })

  it('flushes open time windows at shutdown', () => {
    const out: WindowAggregate[] = []
    const w = createSensorWindows(
      { t1s: { type: 'time', length: 1000, every: 1000, allowedLateness: 0 } },
      (_k, a) => out.push(a),
    )
    w.push(
      'uno/light',
      samples(50, () => 1),
    ) // 1000…1490 ms: inside one window, not closed yet
    expect(out).toHaveLength(0)
    w.flush()
    expect(out).toHaveLength(1)
    expect(out[0]!.count).toBe(50)
  })

  it('refuses an invalid window at creation, before any sample', () => {
    expect(() =>
      createSensorWindows({ bad: { type: 'count', size: 0, stride: 1 } }, () => undefined),
    ).toThrow()
  })
})

describe('idle sensors', () => {
  it('closes the time window of a sensor that went silent, by the wall time since its last sample', () => {
    const out: WindowAggregate[] = []
    const w = createSensorWindows(
      {
        t1s: { type: 'time', length: 1000, every: 1000, allowedLateness: 0 },
        c10: { type: 'count', size: 10, stride: 10 },
      },
      (_k, a) => out.push(a),
    )
    w.push(
      'uno/light',
      samples(5, () => 2),
      50_000,
    ) // t = 1000…1040 ms, seen at wall 50 000
    w.advanceIdle(51_000, 5000) // silent for 1 s only: not idle yet, nothing moves
    expect(out).toHaveLength(0)
    w.advanceIdle(55_000, 5000) // idle: event time ≈ 1040 + 5000, the window [1000, 2000) closes
    expect(out.map((a) => [a.window, a.count])).toEqual([['t1s', 5]])
  })
})

describe('an outage upstream (issue 11, item 2)', () => {
  it('loses no buffered sample to the idle timer: lateness follows the data, not the wall clock', () => {
    const out: WindowAggregate[] = []
    const w = createSensorWindows(
      { t1s: { type: 'time', length: 1000, every: 1000, allowedLateness: 0 } },
      (_k, a) => out.push(a),
    )
    // 100 Hz until the broker goes away at t = 2000 (wall 2000); the bridge buffers from then on.
    const at = (from: number, to: number): Sample[] =>
      Array.from({ length: (to - from) / 10 }, (_, i) => {
        const t = from + i * 10
        return { seq: t / 10, t, value: 1, ingest: t }
      })
    expect(w.push('uno/light', at(1000, 2000), 2000)).toEqual({ late: 0 })
    // 10 s of outage: the idle timer ticks every second, as it did while disconnected.
    for (let wall = 3000; wall <= 12_000; wall += 1000) w.advanceIdle(wall, 5000)
    // The broker is back: the buffered 10 s arrive at once, then live data.
    expect(w.push('uno/light', at(2000, 12_000), 12_100)).toEqual({ late: 0 })
    expect(w.push('uno/light', at(12_000, 13_010), 13_010)).toEqual({ late: 0 })
    const t1s = out.filter((a) => a.window === 't1s')
    expect(t1s.every((a) => a.late === 0)).toBe(true)
    // Every second from 1000 to 13 000 is there, complete (the last one emitted is the final one).
    const last = new Map(t1s.map((a) => [a.start, a.count]))
    expect([...last.keys()]).toEqual(Array.from({ length: 12 }, (_, i) => 1000 + i * 1000))
    expect([...last.values()].every((n) => n === 100)).toBe(true)
  })

  it('reports late samples it lost, once each even when several windows drop them', () => {
    const w = createSensorWindows(
      {
        a: { type: 'time', length: 100, every: 100, allowedLateness: 0 },
        b: { type: 'time', length: 100, every: 50, allowedLateness: 0 },
      },
      () => undefined,
    )
    w.push('uno/light', [{ seq: 1, t: 1000, value: 1, ingest: 1000 }])
    const late = [{ seq: 2, t: 500, value: 1, ingest: 1000 }]
    expect(w.push('uno/light', late)).toEqual({ late: 1 })
  })
})

describe('sensor handover', () => {
  const specs = {
    slide: { type: 'count', size: 7, stride: 3 },
    tumble: { type: 'count', size: 5, stride: 5 },
    t1s: { type: 'time', length: 1000, every: 250, allowedLateness: 300 },
    burst: { type: 'session', gap: 400, maxDuration: 3000 },
  } as const

  /** Batches of one sensor with out-of-order, late and silent stretches, and the wall time of each. */
  function batches(seed: number): { samples: Sample[]; now: number }[] {
    const rng = createPrng(seed)
    let t = 10_000
    let seq = 0
    return Array.from({ length: 60 }, () => {
      const samples = Array.from({ length: rng.int(1, 6) }, () => {
        t += rng.next() < 0.1 ? rng.int(500, 2000) : rng.int(0, 80)
        return {
          seq: seq++,
          t: t - rng.int(0, 1) * rng.int(0, 500),
          value: rng.gaussian() * 10,
          ingest: t,
        }
      })
      return { samples, now: t + rng.int(0, 3000) }
    })
  }

  /** Feeds batches of `key` and of another sensor, advancing idle sensors after each. */
  function run(w: SensorWindows, key: string, part: { samples: Sample[]; now: number }[]): void {
    for (const b of part) {
      w.push(key, b.samples, b.now)
      w.push('other/x', b.samples, b.now)
      w.advanceIdle(b.now + 500, 1000)
    }
  }

  it('continues after export and import exactly as one instance fed everything', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const all = batches(seed)
      for (let cut = 0; cut <= all.length; cut += 7) {
        const one: WindowAggregate[] = []
        const whole = createSensorWindows(specs, (k, a) => k === 'uno/light' && one.push(a))
        // The new owner's idle timer may fire before the sensor's next batch: the old wall and event
        // times decide what it emits.
        const idleAt = (all[cut - 1]?.now ?? 0) + 300
        run(whole, 'uno/light', all.slice(0, cut))
        whole.advanceIdle(idleAt, 100)
        run(whole, 'uno/light', all.slice(cut))
        whole.flush()

        const before: WindowAggregate[] = []
        const a = createSensorWindows(specs, (k, x) => k === 'uno/light' && before.push(x))
        run(a, 'uno/light', all.slice(0, cut))
        const emittedBefore = before.length
        const exported = a.exportSensor('uno/light')
        expect(exported === undefined).toBe(cut === 0)
        const state: unknown =
          exported === undefined ? undefined : JSON.parse(JSON.stringify(exported))
        expect(before.length, 'export emits nothing').toBe(emittedBefore)
        const after: WindowAggregate[] = []
        const b = createSensorWindows(specs, (k, x) => k === 'uno/light' && after.push(x))
        if (state !== undefined) b.importSensor('uno/light', state)
        b.advanceIdle(idleAt, 100)
        run(b, 'uno/light', all.slice(cut))
        b.flush()
        expect([...before, ...after], `seed ${seed}, cut ${cut}`).toEqual(one)
      }
    }
  })

  it('forgets an exported sensor and returns undefined for one it does not hold', () => {
    const out: WindowAggregate[] = []
    const w = createSensorWindows(specs, (_, a) => out.push(a))
    w.push(
      'uno/light',
      samples(3, (i) => i),
      0,
    )
    expect(w.exportSensor('uno/light')).toBeDefined()
    expect(w.sensors).toBe(0)
    expect(w.exportSensor('uno/light')).toBeUndefined()
    w.flush()
    expect(out).toEqual([])
  })

  it('refuses a state for other windows and keeps what it had for the sensor', () => {
    const w = createSensorWindows(specs, () => undefined)
    w.push(
      'uno/light',
      samples(3, (i) => i),
      0,
    )
    const other = createSensorWindows({ slide: specs.slide }, () => undefined)
    other.push(
      'uno/light',
      samples(3, (i) => i),
      0,
    )
    const state = other.exportSensor('uno/light')
    expect(() => {
      w.importSensor('uno/light', state)
    }).toThrow(expect.objectContaining({ code: 'SLUICE_ERR_WINDOW_INVALID_STATE' }) as Error)
    expect(() => {
      w.importSensor('uno/light', { v: 2 })
    }).toThrow(/version 2/)
    const bad = JSON.parse(JSON.stringify(w.exportSensor('uno/light'))) as {
      windows: { slide: object }
    }
    bad.windows.slide = { ...bad.windows.slide, spec: { type: 'count', size: 8, stride: 3 } }
    expect(() => {
      w.importSensor('uno/light', bad)
    }).toThrow(/state\.spec\.size/)
    expect(w.sensors).toBe(0)
  })
})
