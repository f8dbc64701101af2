/**
 * The spool on a disk that fails, with an injected file system (the real thing, on a full tmpfs, is in
 * test/spool-full-disk.int.test.ts): short writes, a truncation that fails, a cursor that cannot be saved,
 * and a record damaged after it was written. Whatever happens, no record that is not exactly what was
 * appended is ever read, and the spool works again once the disk does.
 */
import * as fs from 'node:fs'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { SpoolWriteError } from '../errors.js'
import { frameRecord, openSpool, type SpoolFs } from './spool.js'

const dirs: string[] = []
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'sluice-spool-disk-'))
  dirs.push(d)
  return d
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

const enospc = (): NodeJS.ErrnoException =>
  Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' })

/**
 * `node:fs` with a disk of `space` bytes for segment writes: a write that does not fit writes what fits
 * and returns a short count, as write(2) does, and the next one fails with ENOSPC. Other failures are
 * switched on by the test.
 */
function smallDisk(space: number) {
  const disk = {
    space,
    failTruncate: false,
    failCursor: false,
    fs: {
      ...fs,
      writeSync: ((fd: number, buf: Buffer, off?: number, len?: number): number => {
        if (disk.space <= 0) throw enospc()
        const from = off ?? 0
        const n = Math.min(len ?? buf.length - from, disk.space)
        disk.space -= n
        return fs.writeSync(fd, buf, from, n)
      }) as SpoolFs['writeSync'],
      ftruncateSync: ((fd: number, len?: number) => {
        if (disk.failTruncate) throw Object.assign(new Error('EIO'), { code: 'EIO' })
        const before = fs.fstatSync(fd).size
        fs.ftruncateSync(fd, len)
        disk.space += Math.max(0, before - (len ?? 0))
      }) as SpoolFs['ftruncateSync'],
      writeFileSync: ((...args: Parameters<typeof fs.writeFileSync>) => {
        if (disk.failCursor) throw enospc()
        fs.writeFileSync(...args)
      }) as SpoolFs['writeFileSync'],
    } satisfies SpoolFs,
  }
  return disk
}

const texts = (b: { records: readonly Buffer[] }): string[] => b.records.map((r) => r.toString())
const segmentFiles = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith('.seg'))

describe('spool on a failing disk', () => {
  it('rolls a short write back to the last whole record and says how many records went in', () => {
    const dir = tmp()
    // Room for two 18-byte frames ("aa" → 17 + 2 = 19 bytes each) and part of a third.
    const disk = smallDisk(19 * 2 + 7)
    const spool = openSpool({ dir, maxBytes: 1 << 20, fs: disk.fs })
    let error: unknown
    try {
      spool.append(['aa', 'bb', 'cc', 'dd'], 1)
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(SpoolWriteError)
    expect((error as SpoolWriteError).appended).toBe(2)
    expect((error as SpoolWriteError).code).toBe('SLUICE_ERR_FORWARD_SPOOL_FULL')
    expect(spool.stats().writeFailing).toBe(true)
    // The file holds exactly the two whole records: nothing torn behind them.
    expect(fs.statSync(join(dir, segmentFiles(dir)[0]!)).size).toBe(spool.bytes)
    expect(texts(spool.read(10))).toEqual(['aa', 'bb'])

    // Space returns: the next append goes in right behind them.
    disk.space = 1 << 20
    spool.append(['ee'], 2)
    expect(spool.stats().writeFailing).toBe(false)
    expect(texts(spool.read(10))).toEqual(['aa', 'bb', 'ee'])
    spool.close()
    const again = openSpool({ dir, maxBytes: 1 << 20 })
    expect(again.stats().tornTails).toBe(0)
    expect(texts(again.read(10))).toEqual(['aa', 'bb', 'ee'])
    again.close()
  })

  it('never pads the file with zeros when the rollback itself fails: it cuts first at the next append', () => {
    const dir = tmp()
    const disk = smallDisk(19 + 5)
    const spool = openSpool({ dir, maxBytes: 1 << 20, fs: disk.fs })
    disk.failTruncate = true
    expect(() => spool.append(['aa', 'bb'], 1)).toThrow(SpoolWriteError)
    // Torn bytes are on disk, past the index; no append may land behind them while they are.
    expect(fs.statSync(join(dir, segmentFiles(dir)[0]!)).size).toBe(spool.bytes + 5)
    disk.space = 1 << 20
    expect(() => spool.append(['cc'], 2)).toThrow(SpoolWriteError)
    disk.failTruncate = false
    spool.append(['dd'], 3)
    // Byte for byte the two whole records: no torn bytes, no zeros from a truncation that padded.
    const file = fs.readFileSync(join(dir, segmentFiles(dir)[0]!))
    expect(
      file.equals(
        Buffer.concat([frameRecord(Buffer.from('aa'), 1), frameRecord(Buffer.from('dd'), 3)]),
      ),
    ).toBe(true)
    expect(texts(spool.read(10))).toEqual(['aa', 'dd'])
    spool.close()
  })

  it('keeps an acknowledgement the disk cannot save, and saves it once it can', () => {
    const dir = tmp()
    const disk = smallDisk(1 << 20)
    const spool = openSpool({ dir, maxBytes: 1 << 20, fs: disk.fs })
    spool.append(['a', 'b', 'c'], 1)
    disk.failCursor = true
    const first = spool.read(2)
    expect(() => spool.ack(first.next)).not.toThrow()
    expect(spool.stats().cursorUnsaved).toBe(true)
    // Acknowledged all the same: the same batch is not read (and sent) again.
    expect(texts(spool.read(10))).toEqual(['c'])
    disk.failCursor = false
    spool.append(['d'], 2)
    expect(spool.stats().cursorUnsaved).toBe(false)
    spool.close()
    const again = openSpool({ dir, maxBytes: 1 << 20 })
    expect(texts(again.read(10))).toEqual(['c', 'd'])
    again.close()
  })

  it('frees a fully acknowledged segment while the disk refuses writes, so the spool heals', () => {
    const dir = tmp()
    const disk = smallDisk(19 * 3)
    const spool = openSpool({ dir, maxBytes: 1 << 20, fs: disk.fs })
    expect(() => spool.append(['aa', 'bb', 'cc', 'dd'], 1)).toThrow(SpoolWriteError)
    spool.ack(spool.read(10).next)
    expect(spool.bytes).toBe(0)
    // The old segment's space came back with its file: appends work again on the same small disk.
    disk.space += 19 * 3
    spool.append(['ee', 'ff'], 2)
    expect(texts(spool.read(10))).toEqual(['ee', 'ff'])
    expect(segmentFiles(dir)).toHaveLength(1)
    spool.close()
  })

  it('drops a record damaged after it was written, counted, instead of reading it', () => {
    const dir = tmp()
    const spool = openSpool({ dir, maxBytes: 1 << 20 })
    spool.append(['aa', 'bb', 'cc'], 1)
    // Zero the second record's payload in place, as a disk that lost a page would.
    const path = join(dir, segmentFiles(dir)[0]!)
    const fd = fs.openSync(path, 'r+')
    fs.writeSync(fd, Buffer.alloc(2), 0, 2, 19 + 17)
    fs.closeSync(fd)
    expect(texts(spool.read(10))).toEqual(['aa'])
    expect(spool.stats().corrupt).toBe(2)
    // The active segment was cut after the last good record: what comes next reads normally.
    spool.append(['dd'], 2)
    expect(texts(spool.read(10))).toEqual(['aa', 'dd'])
    expect(fs.statSync(path).size).toBe(spool.bytes)
    spool.close()
  })
})
