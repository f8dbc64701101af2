/**
 * @module nats
 * Starts a real nats-server for interop tests (DESIGN.md §12): on a free port on 127.0.0.1, optionally
 * with JetStream storing into a temporary directory.
 * Docs: https://docs.nats.io/running-a-nats-service/introduction/flags
 */
import { startContainer } from './containers.js'
import { inTempDir, locateProgram } from './launch.js'
import { freePort } from './free-port.js'
import { startProcess } from './process.js'

/** Options of {@link startNatsServer}. */
export interface NatsServerOptions {
  /** Enable JetStream, with its store in a temporary directory. */
  readonly jetstream?: boolean
  /** Path of the nats-server binary (default: found by `findProgram`). */
  readonly command?: string
  /** Ready timeout in ms (default 10 000). */
  readonly timeout?: number
}

/** A running nats-server. */
export interface RunningNatsServer {
  /** `nats://127.0.0.1:<port>` */
  readonly url: string
  readonly host: string
  readonly port: number
  output(): string
  stop(): Promise<void>
}

/**
 * Starts nats-server and resolves once it reports "Server is ready".
 *
 * @example
 * ```ts
 * const nats = await startNatsServer({ jetstream: true })
 * afterAll(() => nats.stop())
 * ```
 */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<RunningNatsServer> {
  const program = locateProgram('nats-server', options.command)
  if ('image' in program) {
    const c = await startContainer({
      image: program.image,
      containerPort: 4222,
      command: options.jetstream === true ? ['-js'] : [],
      readyLog: /Server is ready/,
    })
    return {
      url: `nats://${c.host}:${c.port}`,
      host: c.host,
      port: c.port,
      output: () => '',
      stop: () => c.stop(),
    }
  }
  const port = await freePort()
  return inTempDir('sluice-nats-', async (dir) => {
    const args = ['-a', '127.0.0.1', '-p', String(port)]
    if (options.jetstream === true) args.push('-js', '-sd', dir)
    const proc = await startProcess(program.path, args, {
      name: 'nats-server',
      cwd: dir,
      readyWhen: /Server is ready/,
      timeout: options.timeout ?? 10_000,
    })
    return {
      url: `nats://127.0.0.1:${port}`,
      host: '127.0.0.1',
      port,
      output: () => proc.output(),
      stop: () => proc.stop(),
    }
  })
}
