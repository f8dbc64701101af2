import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { SpoolLockedError } from '../errors.js'
import { frameRecord, openSpool, type SpoolFs } from './spool.js'

const dirs: string[] = []
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'sluice-spool-'))
  dirs.push(d)
  return d
}
afterEach(() => {
  vi.useRealTimers()
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})
const texts = (b: { records: readonly Buffer[] }): string[] => b.records.map((r) => r.toString())

describe('spool', () => {
  it('writes an append with one write per segment it fills, and reads it back in order', () => {
    const dir = tmp()
    const writes: number[] = []
    const counting: SpoolFs = {
      ...fs,
      writeSync: ((fd: number, buf: Buffer, off?: number, len?: number) => {
        writes.push(len ?? buf.length)
        return fs.writeSync(fd, buf, off, len)
      }) as SpoolFs['writeSync'],
    }
    // Frames of "r0".."r9" are 19 bytes: a 4096-byte segment takes 215 of them.
    const spool = openSpool({ dir, maxBytes: 1 << 20, segmentBytes: 4096, fs: counting })
    const records = (from: number, n: number): string[] =>
      Array.from({ length: n }, (_, i) => `r${(from + i) % 10}`)
    spool.append(records(0, 10), 1)
    expect(writes).toEqual([190])
    // 300 more: 205 fill the first segment, 95 start the second; one write each.
    spool.append(records(10, 300), 2)
    expect(writes).toEqual([190, 205 * 19, 95 * 19])
    const all = spool.read(1000)
    expect(texts(all)).toEqual(records(0, 310))
    expect(all.appendedAt).toEqual([...Array<number>(10).fill(1), ...Array<number>(300).fill(2)])
    spool.close()
  })

  it('replays appended records in order and forgets them once acknowledged', () => {
    const spool = openSpool({ dir: tmp(), maxBytes: 1 << 20 })
    spool.append(['a', 'b', 'c'], 1)
    const first = spool.read(2)
    expect(texts(first)).toEqual(['a', 'b'])
    expect(texts(spool.read(10))).toEqual(['a', 'b', 'c'])
    spool.ack(first.next)
    expect(texts(spool.read(10))).toEqual(['c'])
    expect(spool.stats().pending).toBe(1)
    spool.close()
  })

  it('reads what was appended after the last read of the growing segment, and re-reads a failed batch', () => {
    const spool = openSpool({ dir: tmp(), maxBytes: 1 << 20 })
    spool.append(['a', 'b'], 1)
    const first = spool.read(10)
    expect(texts(first)).toEqual(['a', 'b'])
    spool.append(['c'], 2)
    // Not acknowledged: the same records again, then the new one.
    expect(texts(spool.read(10))).toEqual(['a', 'b', 'c'])
    spool.ack(first.next)
    spool.append(['d', 'e'], 3)
    const second = spool.read(2)
    expect(texts(second)).toEqual(['c', 'd'])
    spool.ack(second.next)
    expect(texts(spool.read(10))).toEqual(['e'])
    expect(spool.read(10).appendedAt).toEqual([3])
    spool.close()
  })

  it('replays unacknowledged records after a restart, and only those', () => {
    const dir = tmp()
    const a = openSpool({ dir, maxBytes: 1 << 20, segmentBytes: 64 })
    a.append(
      Array.from({ length: 20 }, (_, i) => `p${i}`),
      1,
    )
    a.ack(a.read(7).next)
    a.close()
    const b = openSpool({ dir, maxBytes: 1 << 20, segmentBytes: 64 })
    expect(texts(b.read(100))).toEqual(Array.from({ length: 13 }, (_, i) => `p${i + 7}`))
    expect(b.stats().pending).toBe(13)
    b.close()
  })

  it('cuts a torn tail off at open and keeps every whole record before it', () => {
    const dir = tmp()
    const a = openSpool({ dir, maxBytes: 1 << 20 })
    a.append(['one', 'two'], 5)
    a.close()
    const seg = readdirSync(dir).find((f) => f.endsWith('.seg'))!
    const torn = frameRecord(Buffer.from('three-is-torn'), 6).subarray(0, 11)
    appendFileSync(join(dir, seg), torn)
    const b = openSpool({ dir, maxBytes: 1 << 20 })
    expect(b.stats().tornTails).toBe(1)
    expect(texts(b.read(10))).toEqual(['one', 'two'])
    b.append(['four'], 7)
    expect(texts(b.read(10))).toEqual(['one', 'two', 'four'])
    b.close()
  })

  it('detects a corrupted record by its checksum and stops before it', () => {
    const dir = tmp()
    const a = openSpool({ dir, maxBytes: 1 << 20 })
    a.append(['good'], 1)
    a.close()
    const seg = readdirSync(dir).find((f) => f.endsWith('.seg'))!
    const bad = frameRecord(Buffer.from('flipped'), 2)
    bad.writeUInt8(bad.readUInt8(bad.length - 1) ^ 0xff, bad.length - 1)
    appendFileSync(join(dir, seg), bad)
    const b = openSpool({ dir, maxBytes: 1 << 20 })
    expect(texts(b.read(10))).toEqual(['good'])
    expect(b.stats().tornTails).toBe(1)
    b.close()
  })

  it('evicts the oldest segments at the cap and counts every unread record it deletes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 0, max: 30 })), {
          minLength: 1,
          maxLength: 40,
        }),
        (steps) => {
          const spool = openSpool({ dir: tmp(), maxBytes: 2048, segmentBytes: 256 })
          let appended = 0
          let delivered = 0
          for (const [n, acks] of steps) {
            spool.append(
              Array.from({ length: n }, () => `r${appended++}`),
              appended,
            )
            const batch = spool.read(acks)
            delivered += batch.records.length
            spool.ack(batch.next)
            const st = spool.stats()
            expect(st.bytes).toBeLessThanOrEqual(2048)
            // Every record appended is delivered, evicted or still pending: nothing else.
            expect(delivered + st.evicted + st.pending).toBe(appended)
          }
          // What remains is in order and the newest records survive.
          const rest = texts(spool.read(1e6)).map((r) => Number(r.slice(1)))
          expect(rest).toEqual([...rest].sort((x, y) => x - y))
          if (rest.length > 0) expect(rest[rest.length - 1]).toBe(appended - 1)
          spool.close()
        },
      ),
      { numRuns: 60 },
    )
  })

  it('counts a record evicted during its send as evicted only if that send fails', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            read: fc.integer({ min: 0, max: 30 }),
            during: fc.integer({ min: 0, max: 40 }),
            ok: fc.boolean(),
          }),
          { minLength: 1, maxLength: 40 },
        ),
        (steps) => {
          const spool = openSpool({ dir: tmp(), maxBytes: 2048, segmentBytes: 256 })
          let appended = 0
          const delivered = new Set<number>()
          const append = (n: number): void => {
            spool.append(
              Array.from({ length: n }, () => `r${appended++}`),
              appended,
            )
          }
          const check = (): void => {
            const st = spool.stats()
            expect(delivered.size + st.evicted + st.pending).toBe(appended)
          }
          for (const step of steps) {
            append(5)
            const batch = spool.read(step.read)
            append(step.during) // may evict the batch's own segment while it is "being sent"
            check()
            if (step.ok) {
              for (const r of texts(batch)) {
                const n = Number(r.slice(1))
                expect(delivered.has(n)).toBe(false) // never delivered twice
                delivered.add(n)
              }
              spool.ack(batch.next)
            }
            check()
          }
          // Exactly: everything not delivered and not evicted is still there to send.
          const rest = texts(spool.read(1e6)).map((r) => Number(r.slice(1)))
          for (const n of rest) expect(delivered.has(n)).toBe(false)
          expect(delivered.size + rest.length + spool.stats().evicted).toBe(appended)
          spool.close()
        },
      ),
      { numRuns: 60 },
    )
  })

  it('reports the append time of the oldest pending record', () => {
    const spool = openSpool({ dir: tmp(), maxBytes: 1 << 20 })
    expect(spool.stats().oldestAppendedAt).toBeUndefined()
    spool.append(['x'], 1000)
    spool.append(['y'], 2000)
    expect(spool.stats().oldestAppendedAt).toBe(1000)
    spool.ack(spool.read(1).next)
    expect(spool.stats().oldestAppendedAt).toBe(2000)
    spool.close()
  })

  it('refuses a segment size above a quarter of the cap', () => {
    expect(() => openSpool({ dir: tmp(), maxBytes: 1000, segmentBytes: 500 })).toThrow(/quarter/)
  })
})

/** The cursor saved in `dir`'s cursor.json. */
const savedCursor = (dir: string): unknown =>
  JSON.parse(readFileSync(join(dir, 'cursor.json'), 'utf8'))

describe('cursor saves', () => {
  it('saves at most once per cursorSaveMs, then the last acknowledgement, and at close', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const dir = tmp()
    let saves = 0
    const counting: SpoolFs = {
      ...fs,
      renameSync: (from: fs.PathLike, to: fs.PathLike) => {
        saves++
        fs.renameSync(from, to)
      },
    }
    const spool = openSpool({ dir, maxBytes: 1 << 20, cursorSaveMs: 200, fs: counting })
    spool.append(['a', 'b', 'c', 'd', 'e'], 1)
    const first = spool.read(1)
    spool.ack(first.next)
    // The first acknowledgement after a quiet spell is saved at once.
    expect(saves).toBe(1)
    expect(savedCursor(dir)).toEqual(first.next)
    const second = spool.read(1)
    spool.ack(second.next)
    const third = spool.read(1)
    spool.ack(third.next)
    expect(saves).toBe(1)
    vi.advanceTimersByTime(200)
    // Both saved together, by the timer.
    expect(saves).toBe(2)
    expect(savedCursor(dir)).toEqual(third.next)
    vi.advanceTimersByTime(1000)
    expect(saves).toBe(2)
    const fourth = spool.read(1)
    spool.ack(fourth.next)
    expect(saves).toBe(3)
    const fifth = spool.read(1)
    spool.ack(fifth.next)
    expect(savedCursor(dir)).toEqual(fourth.next)
    spool.close()
    expect(savedCursor(dir)).toEqual(fifth.next)
    // No timer outlives the spool: nothing fires after close.
    expect(vi.getTimerCount()).toBe(0)
    expect(saves).toBe(4)
    const again = openSpool({ dir, maxBytes: 1 << 20 })
    expect(again.stats().pending).toBe(0)
    again.close()
  })

  it('saves on every acknowledgement with cursorSaveMs 0', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const dir = tmp()
    const spool = openSpool({ dir, maxBytes: 1 << 20, cursorSaveMs: 0 })
    spool.append(['a', 'b', 'c'], 1)
    for (let i = 0; i < 3; i++) {
      const batch = spool.read(1)
      spool.ack(batch.next)
      expect(savedCursor(dir)).toEqual(batch.next)
    }
    expect(vi.getTimerCount()).toBe(0)
    spool.close()
  })

  it('does not keep the process alive while a save is put off', () => {
    const timeouts = (): number =>
      process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length
    const spool = openSpool({ dir: tmp(), maxBytes: 1 << 20, cursorSaveMs: 60_000 })
    spool.append(['a', 'b'], 1)
    const before = timeouts()
    spool.ack(spool.read(1).next)
    spool.ack(spool.read(1).next)
    expect(timeouts()).toBe(before)
    spool.close()
  })

  it('replays after a crash at most what was acknowledged within cursorSaveMs, and loses nothing unacknowledged', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            wait: fc.integer({ min: 0, max: 150 }),
            append: fc.integer({ min: 0, max: 4 }),
            read: fc.integer({ min: 0, max: 5 }),
            ack: fc.boolean(),
          }),
          { minLength: 1, maxLength: 30, size: 'max' },
        ),
        (steps) => {
          vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
          const dir = tmp()
          // Small segments: acknowledgements delete segments and cross into new ones.
          const a = openSpool({ dir, maxBytes: 1 << 20, segmentBytes: 64, cursorSaveMs: 200 })
          let now = 0
          let appended = 0
          /** When each record was acknowledged (by index), if it was. */
          const ackedAt: number[] = []
          for (const step of steps) {
            vi.advanceTimersByTime(step.wait)
            now += step.wait
            a.append(
              Array.from({ length: step.append }, () => `r${appended++}`),
              now,
            )
            const batch = a.read(step.read)
            if (step.ack) {
              ackedAt.push(...batch.appendedAt.map(() => now))
              a.ack(batch.next)
            }
          }
          // A crash: the spool is opened again without being closed (its lock is this process's).
          const b = openSpool({ dir, maxBytes: 1 << 20, segmentBytes: 64, cursorSaveMs: 200 })
          const replayed = texts(b.read(1e6)).map((r) => Number(r.slice(1)))
          const from = appended - replayed.length
          // In order, and every record not acknowledged is there.
          expect(replayed).toEqual(Array.from({ length: replayed.length }, (_, i) => from + i))
          expect(from).toBeLessThanOrEqual(ackedAt.length)
          // The acknowledged ones replayed were acknowledged within the last cursorSaveMs.
          for (let i = from; i < ackedAt.length; i++) expect(ackedAt[i]).toBeGreaterThan(now - 200)
          b.close()
          a.close()
          vi.useRealTimers()
        },
      ),
      { numRuns: 100 },
    )
  })
})

/** The id of a process that has ended. */
function endedPid(): number {
  const r = spawnSync(process.execPath, ['-e', ''])
  return r.pid
}

describe('one process per spool', () => {
  it('refuses a spool that another running process holds, naming it, and changes nothing', () => {
    const dir = tmp()
    // The process that runs this test's runner is alive and is not this one.
    writeFileSync(join(dir, 'lock'), `${process.ppid}\n`)
    let thrown: unknown
    try {
      openSpool({ dir, maxBytes: 1 << 20 })
    } catch (err) {
      thrown = err
    }
    expect(thrown).toBeInstanceOf(SpoolLockedError)
    expect((thrown as SpoolLockedError).code).toBe('SLUICE_ERR_FORWARD_SPOOL_LOCKED')
    expect((thrown as Error).message).toContain(`is in use by process ${process.ppid}`)
    expect(readFileSync(join(dir, 'lock'), 'utf8').trim()).toBe(String(process.ppid))
    expect(readdirSync(dir)).toEqual(['lock'])
  })

  it('takes a lock that names no process yet for one being written, not for a stale one', () => {
    const dir = tmp()
    writeFileSync(join(dir, 'lock'), '')
    expect(() => openSpool({ dir, maxBytes: 1 << 20 })).toThrow(/is in use by another process/)
  })

  it('holds the lock while open and gives it back at close', () => {
    const dir = tmp()
    const spool = openSpool({ dir, maxBytes: 1 << 20 })
    expect(readFileSync(join(dir, 'lock'), 'utf8').trim()).toBe(String(process.pid))
    spool.append([Buffer.from('a')], Date.now())
    spool.close()
    expect(existsSync(join(dir, 'lock'))).toBe(false)
    // And the next one opens it, with what was appended.
    const again = openSpool({ dir, maxBytes: 1 << 20 })
    expect(again.stats().pending).toBe(1)
    again.close()
  })

  it("takes over the lock of a process that has ended (a crash), and this process's own", () => {
    const dir = tmp()
    writeFileSync(join(dir, 'lock'), `${endedPid()}\n`)
    const a = openSpool({ dir, maxBytes: 1 << 20 })
    expect(readFileSync(join(dir, 'lock'), 'utf8').trim()).toBe(String(process.pid))
    // A forwarder restarted in this process after a crash: the crashed one never closed its spool.
    const b = openSpool({ dir, maxBytes: 1 << 20 })
    b.close()
    expect(existsSync(join(dir, 'lock'))).toBe(false)
    a.close()
  })
})
