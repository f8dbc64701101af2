/**
 * @module socat
 * A pair of linked pseudo-terminals, so the serial bridge can be tested against a "device" without
 * hardware: what one end writes, the other end reads. socat prints the two `/dev/pts/N` paths on stderr
 * at `-d -d`, then "starting data transfer loop" once both are open.
 * Docs: http://www.dest-unreach.org/socat/doc/socat.html (address type PTY)
 */
import { StartFailedError } from './errors.js'
import { locateProgram } from './launch.js'
import { startProcess } from './process.js'

/** Options of {@link createPtyPair}. */
export interface PtyPairOptions {
  /** Path of the socat binary (default: found by `findProgram`). */
  readonly command?: string
  /** Ready timeout in ms (default 5000). */
  readonly timeout?: number
}

/** Two linked ptys. */
export interface PtyPair {
  /** One end, e.g. `/dev/pts/3`: give it to the code under test. */
  readonly a: string
  /** The other end: the test plays the device here. */
  readonly b: string
  stop(): Promise<void>
}

const PTY_LINE = /PTY is (\/dev\/\S+)/g

/** The pty paths socat printed so far, in order. */
export function parsePtyPaths(stderr: string): string[] {
  return [...stderr.matchAll(PTY_LINE)].map((m) => m[1]!)
}

/**
 * Starts `socat -d -d pty,raw,echo=0 pty,raw,echo=0` and resolves with both paths once the link runs.
 *
 * @example
 * ```ts
 * const pty = await createPtyPair()
 * const bridge = await startBridge({ port: pty.a })
 * const device = await open(pty.b, 'r+')
 * afterAll(() => pty.stop())
 * ```
 */
export async function createPtyPair(options: PtyPairOptions = {}): Promise<PtyPair> {
  const program = locateProgram('socat', options.command)
  if ('image' in program)
    throw new StartFailedError('socat must run on this machine: a pty cannot cross a container')
  const proc = await startProcess(program.path, ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0'], {
    name: 'socat',
    readyWhen: (out) => parsePtyPaths(out).length >= 2 && /starting data transfer loop/.test(out),
    timeout: options.timeout ?? 5000,
  })
  const [a, b] = parsePtyPaths(proc.output()) as [string, string]
  return { a, b, stop: () => proc.stop() }
}
