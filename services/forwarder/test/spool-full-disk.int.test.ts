/**
 * The spool on a disk that fills up (issue 11, item 4), for real: a 2 MiB tmpfs as the spool directory and
 * a webhook that is down while the forwarder keeps taking data. What the disk cannot take is counted and
 * said (`SLUICE_ERR_FORWARD_SPOOL_FULL`); nothing torn or padded is ever sent; every record that was
 * spooled is delivered exactly once when the webhook is back; and the spool heals by itself: once it has
 * drained, new records are spooled and delivered again.
 *
 * Needs root (or CAP_SYS_ADMIN) to mount a tmpfs; skips with a message otherwise, and fails under
 * SLUICE_REQUIRE_EXTERNAL=1.
 */
import { execFileSync } from 'node:child_process'
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmdirSync,
  statSync,
  truncateSync,
  unlinkSync,
  writeSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { MeshLogger } from '@sluice/mesh'
import { externalRequired, waitFor } from '@sluice/testkit'
import { afterAll, describe, expect, it } from 'vitest'
import { createSinkHop } from '../src/sink-hop.js'
import { createFileSink } from '../src/sinks/file.js'
import { createHttpSink } from '../src/sinks/http.js'
import { openSpool } from '../src/spool/spool.js'
import { startHttpReceiver, type HttpReceiver } from './http-receiver.js'

/** Mounts a 2 MiB tmpfs on a new directory; undefined (and why) when this machine does not let us. */
function mountSmallDisk(): { dir: string } | { why: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-full-disk-'))
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dir], { stdio: 'pipe' })
    return { dir }
  } catch (err) {
    rmdirSync(dir)
    const why = `cannot mount a tmpfs (${(err as Error).message.split('\n')[0]})`
    if (externalRequired()) throw new Error(`SLUICE_REQUIRE_EXTERNAL=1 but ${why}`)
    console.warn(`skipping the full-disk spool test: ${why}; it needs root or CAP_SYS_ADMIN`)
    return { why }
  }
}

/** A logger that keeps what was logged, to check that the condition is said, with its code. */
function recordingLogger(): MeshLogger & { lines: { level: string; obj: unknown; msg: string }[] } {
  const lines: { level: string; obj: unknown; msg: string }[] = []
  const at =
    (level: string) =>
    (obj: unknown, msg?: string): void => {
      lines.push({ level, obj, msg: msg ?? '' })
    }
  const log: MeshLogger & { lines: typeof lines } = {
    lines,
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    debug: at('debug'),
    trace: at('trace'),
    child: () => log,
  }
  return log
}

const disk = mountSmallDisk()

describe.skipIf('why' in disk)('the spool on a full disk (2 MiB tmpfs)', () => {
  const dir = 'dir' in disk ? disk.dir : ''
  let receiver: HttpReceiver | undefined

  afterAll(async () => {
    await receiver?.close()
    execFileSync('umount', [dir])
    rmdirSync(dir)
  })

  it('leaves the file sink with whole lines only when a write does not fit, and retries cleanly', async () => {
    const path = join(dir, 'file-sink', 'forward.jsonl')
    const sink = createFileSink({ name: 'file', path, rotateBytes: 64 * 1024 * 1024, keep: 1 })
    await sink.send(sink.encode({ kind: 'window', topic: 't', payload: { i: -1 } }))
    // Fill the disk, then free two pages: room for part of the next batch, not all of it.
    const filler = join(dir, 'filler')
    const fd = openSync(filler, 'w')
    const chunk = Buffer.alloc(64 * 1024, 1)
    try {
      for (;;) writeSync(fd, chunk)
    } catch {
      // ENOSPC: full.
    } finally {
      closeSync(fd)
    }
    try {
      truncateSync(filler, Math.max(0, statSync(filler).size - 8192))
      const batch = Array.from({ length: 1000 }, (_, i) =>
        sink.encode({ kind: 'window', topic: 't', payload: { i, pad: 'x'.repeat(80) } }),
      ).flat()
      await expect(sink.send(batch)).rejects.toMatchObject({ retryable: true })
      const whole = (): number[] =>
        readFileSync(path, 'utf8')
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => (JSON.parse(l) as { payload: { i: number } }).payload.i)
      expect(readFileSync(path, 'utf8').endsWith('\n')).toBe(true)
      expect(whole()).toEqual([-1])
      // Space returns: the retried batch goes in whole, once.
      unlinkSync(filler)
      await sink.send(batch)
      expect(whole()).toEqual([-1, ...Array.from({ length: 1000 }, (_, i) => i)])
      await sink.close()
    } finally {
      if (existsSync(filler)) unlinkSync(filler)
      if (existsSync(path)) unlinkSync(path)
    }
  })

  it('counts and says what the disk refuses, never sends a torn record, and heals', async () => {
    receiver = await startHttpReceiver()
    let up = false
    const accepted: string[] = []
    receiver.answer = (req) => {
      if (!up) return { status: 503 }
      accepted.push(req.body)
      return { status: 204 }
    }
    const log = recordingLogger()
    const spoolDir = join(dir, 'spool', 'hook')
    const hop = createSinkHop(
      createHttpSink({ name: 'hook', url: receiver.url, headers: {}, timeoutMs: 5000 }),
      {
        spoolDir,
        // The cap is far above the disk: the disk fills first, as on a small SD card.
        spoolMaxBytes: 64 * 1024 * 1024,
        batchSize: 45,
        lingerMs: 20,
        ratePerSecond: 0,
        burst: 45,
        retryBaseMs: 20,
        retryMaxMs: 200,
        log,
      },
    )
    hop.start()
    let n = 0
    const offer = async (count: number): Promise<void> => {
      for (let k = 0; k < count; k++) {
        hop.offer([
          {
            kind: 'window',
            topic: 'sluice/d/c/window/w',
            payload: { i: n++, pad: 'x'.repeat(120) },
          },
        ])
        // Let the sender run (and fail against the webhook) now and then, as it would live.
        if (k % 500 === 0) await new Promise((r) => setTimeout(r, 5))
      }
    }
    try {
      // ~20 000 records of ~170 bytes: about 3.4 MB for a 2 MiB disk.
      await offer(20_000)
      const full = hop.metrics()
      expect(full.dropped['spool-failed'], 'records the full disk refused').toBeGreaterThan(0)
      expect(full.state).toBe('critical')
      const said = log.lines.filter(
        (l) =>
          l.level === 'error' &&
          (l.obj as { code?: string }).code === 'SLUICE_ERR_FORWARD_SPOOL_FULL',
      )
      expect(said.length, 'the full disk is logged with its code').toBeGreaterThan(0)
      const spooled = 20_000 - full.dropped['spool-failed']!

      // The webhook comes back: everything spooled is delivered, once, and nothing torn.
      up = true
      await waitFor(() => hop.metrics().queue.length === 0, {
        timeout: 60_000,
        message: 'the spool drained',
      })
      const delivered = accepted.flatMap(
        (body) => (JSON.parse(body) as { items: { payload: { i: number } }[] }).items,
      )
      const seen = delivered.map((d) => d.payload.i)
      expect(new Set(seen).size, 'no record delivered twice').toBe(seen.length)
      expect(seen.length, 'every spooled record delivered').toBe(spooled)
      expect(seen).toEqual([...seen].sort((a, b) => a - b))
      expect(hop.metrics().out).toBe(spooled)

      // Space is back: new records are spooled and delivered again, and the hop says so.
      const before = hop.metrics().dropped['spool-failed']
      await offer(2000)
      expect(hop.metrics().dropped['spool-failed']).toBe(before)
      await waitFor(() => hop.metrics().queue.length === 0, {
        timeout: 30_000,
        message: 'the new records delivered',
      })
      expect(hop.metrics().out).toBe(spooled + 2000)
      expect(hop.metrics().state).not.toBe('critical')
      expect(log.lines.some((l) => l.level === 'info' && /accepts writes again/.test(l.msg))).toBe(
        true,
      )
    } finally {
      await hop.stop()
    }
    // What is left on disk is whole: reopening finds no torn tail and nothing pending.
    const reopened = openSpool({ dir: spoolDir, maxBytes: 64 * 1024 * 1024 })
    expect(reopened.stats().tornTails).toBe(0)
    expect(reopened.stats().pending).toBe(0)
    reopened.close()
  }, 120_000)
})
