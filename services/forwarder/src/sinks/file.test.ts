import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createFileSink } from './file.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'sluice-file-sink-'))
  dirs.push(d)
  return d
}
const lines = (path: string): string[] => readFileSync(path, 'utf8').trim().split('\n')

describe('file sink', () => {
  it('writes one JSON object per line: topic, kind and payload', async () => {
    const path = join(tmp(), 'sub', 'out.jsonl')
    const sink = createFileSink({ name: 'f', path, rotateBytes: 1 << 20, keep: 2 })
    const records = sink.encode({
      kind: 'anomaly',
      topic: 'sluice/uno/light/anomaly',
      payload: { seq: 3 },
    })
    await sink.send([...records, ...records])
    expect(lines(path).map((l) => JSON.parse(l) as unknown)).toEqual([
      { topic: 'sluice/uno/light/anomaly', kind: 'anomaly', payload: { seq: 3 } },
      { topic: 'sluice/uno/light/anomaly', kind: 'anomaly', payload: { seq: 3 } },
    ])
  })

  it('rotates before a write would pass rotateBytes and keeps only `keep` old files, newest first', async () => {
    const path = join(tmp(), 'out.jsonl')
    const sink = createFileSink({ name: 'f', path, rotateBytes: 1024, keep: 2 })
    const record = (i: number): string => JSON.stringify({ i, pad: 'x'.repeat(90) }) // ~110 B a line
    for (let i = 0; i < 40; i++) await sink.send([record(i)])
    const all = [`${path}.2`, `${path}.1`, path].flatMap((p) =>
      lines(p).map((l) => (JSON.parse(l) as { i: number }).i),
    )
    // The three files hold the newest records, contiguous and in order; older files were deleted.
    expect(all).toEqual(Array.from({ length: all.length }, (_, k) => 40 - all.length + k))
    expect(all.at(-1)).toBe(39)
    expect(existsSync(`${path}.3`)).toBe(false)
    for (const p of [`${path}.2`, `${path}.1`, path])
      expect(readFileSync(p).length).toBeLessThanOrEqual(1024)
  })

  it('reports a write it cannot make as retryable, so the records stay in the spool', async () => {
    const dir = tmp()
    // A directory where the file should be: every append fails.
    const sink = createFileSink({ name: 'f', path: dir, rotateBytes: 1 << 20, keep: 1 })
    await expect(sink.send(['{}'])).rejects.toMatchObject({
      retryable: true,
      code: 'SLUICE_ERR_FORWARD_SEND',
    })
  })
})
