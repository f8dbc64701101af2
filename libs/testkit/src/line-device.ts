/**
 * @module line-device
 * A serial "device" for tests that run the bridge against a pty (a socat pair): a separate Node process
 * that speaks the line protocol of `@sluice/contract` (DESIGN.md §10) like the firmware does. It waits
 * for the host's first rate command `R<hz>`, answers `OK R<hz>`, prints its boot line, then writes
 * sequenced, checksummed sample lines from seq 0 at that rate, following later rate commands (the bridge's
 * governor). Being its own process, its pace does not depend on the test's event loop.
 *
 * It reports on stdout, one JSON object per line: `{"event":"rate","hz":50}` for each rate command, and
 * on SIGTERM `{"event":"stopped","written":N}`, N being the number of sample lines fully written (seqs
 * 0 … N−1). {@link lineDeviceValues} gives the values of a seq, so a test can check them.
 *
 * The process itself is `line-device-main.js` (built); {@link startLineDevice} launches it.
 */
import { constants, openSync, writeSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { ReadStream } from 'node:tty'
import { formatInfoLine, formatLine } from '@sluice/contract'
import { StartFailedError } from './errors.js'
import { startProcess, type RunningProcess } from './process.js'

/** Options of the device process. */
export interface LineDeviceOptions {
  /** The pty end to play the device on. */
  readonly port: string
  /** Channel names, in order on a line (default light, temp). */
  readonly channels?: readonly string[]
}

/** The values the device writes for `seq`, one per channel (within the guide's light and temp ranges). */
export function lineDeviceValues(seq: number, channels = 2): number[] {
  const out: number[] = []
  for (let c = 0; c < channels; c++)
    out.push(c === 0 ? 300 + ((seq * 7) % 400) : 20 + (seq % 100) / 10)
  return out
}

/**
 * Runs the device in this process until SIGTERM (the body of `line-device-main.js`).
 * Writes are non-blocking: what the pty cannot take yet waits, and is retried.
 */
export function runLineDevice(options: LineDeviceOptions): void {
  const channels = options.channels ?? ['light', 'temp']
  const fd = openSync(options.port, constants.O_RDWR | constants.O_NOCTTY)
  // A pty is a TTY: read it through tty.ReadStream (libuv polls it), not an fs stream.
  const input = new ReadStream(fd)
  const report = (o: object): void => void process.stdout.write(`${JSON.stringify(o)}\n`)
  const pending: { text: string; seq?: number }[] = []
  let offset = 0
  let written = 0
  let retry: NodeJS.Timeout | undefined
  const flush = (): void => {
    retry = undefined
    while (pending.length > 0) {
      const head = pending[0]!
      const bytes = Buffer.from(head.text.slice(offset), 'latin1')
      let n: number
      try {
        n = writeSync(fd, bytes)
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err
        n = 0
      }
      if (n < bytes.length) {
        offset += n
        retry ??= setTimeout(flush, 5)
        return
      }
      pending.shift()
      offset = 0
      if (head.seq !== undefined) written = head.seq + 1
    }
  }
  const send = (text: string, seq?: number): void => {
    pending.push(seq === undefined ? { text } : { text, seq })
    if (retry === undefined) flush()
  }

  let hz = 0
  let next = 0
  let base = { at: 0, seq: 0 }
  let ticker: NodeJS.Timeout | undefined
  const tick = (): void => {
    const due = base.seq + Math.floor(((performance.now() - base.at) * hz) / 1000)
    // Never queue more than a second's worth: a stalled reader must not make the device race later.
    while (next < due && pending.length < Math.max(10, hz)) {
      send(formatLine(next, lineDeviceValues(next, channels.length), { checksum: true }), next)
      next++
    }
  }
  let buffered = ''
  input.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('latin1')
    let nl: number
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl).trim()
      buffered = buffered.slice(nl + 1)
      const m = /^R(\d+(?:\.\d+)?)$/.exec(line)
      if (m === null) continue
      const first = hz === 0
      hz = Number(m[1])
      send(`OK R${m[1]}\n`)
      report({ event: 'rate', hz })
      if (first)
        send(formatInfoLine({ firmware: 'sluice-testkit', version: '1', rateHz: hz, channels }))
      base = { at: performance.now(), seq: next }
      ticker ??= setInterval(tick, 10)
    }
  })
  process.once('SIGTERM', () => {
    if (ticker !== undefined) clearInterval(ticker)
    // Give what is queued a moment to reach the pty, then say how far the device got.
    const end = Date.now() + 1000
    const finish = (): void => {
      flush()
      if (pending.length > 0 && Date.now() < end) {
        setTimeout(finish, 10)
        return
      }
      report({ event: 'stopped', written })
      input.destroy()
      process.exit(0)
    }
    finish()
  })
}

/** A running device process. */
export interface RunningLineDevice {
  readonly process: RunningProcess
  /** The rates the host asked for, in order. */
  rates(): number[]
  /** Stops the device and resolves with the number of sample lines it wrote (seqs 0 … n−1). */
  stop(): Promise<number>
}

/**
 * Starts the device on a pty end (e.g. `createPtyPair().b`). It writes nothing until the host sends
 * `R<hz>` (the bridge does once the port is open when given `rateHz`).
 *
 * @example
 * ```ts
 * const pty = await createPtyPair()
 * const device = await startLineDevice({ port: pty.b })
 * // bridge: --port pty.a --rateHz 50 …
 * const written = await device.stop()
 * ```
 */
export async function startLineDevice(options: LineDeviceOptions): Promise<RunningLineDevice> {
  // Run from the build (the test may load this file from its TypeScript source).
  const main = fileURLToPath(new URL('../dist/line-device-main.js', import.meta.url))
  const args = [main, options.port, (options.channels ?? ['light', 'temp']).join(',')]
  const proc = await startProcess(process.execPath, args, { name: 'line-device' })
  const events = (): { event: string; hz?: number; written?: number }[] =>
    proc
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { event: string; hz?: number; written?: number })
  return {
    process: proc,
    rates: () => events().flatMap((e) => (e.event === 'rate' && e.hz !== undefined ? [e.hz] : [])),
    async stop() {
      await proc.stop(5000)
      const stopped = events().find((e) => e.event === 'stopped')
      if (stopped?.written === undefined) {
        throw new StartFailedError(
          `the line device did not report how far it got:\n${proc.output()}`,
        )
      }
      return stopped.written
    },
  }
}
