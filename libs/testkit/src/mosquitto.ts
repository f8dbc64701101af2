/**
 * @module mosquitto
 * Starts a real Mosquitto broker for interop tests: on a free port on 127.0.0.1, from a config file in a
 * temporary directory, anonymous, no persistence. Extra options (e.g. `max_queued_messages`) go straight
 * into the config. Docs: https://mosquitto.org/man/mosquitto-conf-5.html
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { startContainer } from './containers.js'
import { inTempDir, locateProgram } from './launch.js'
import { freePort } from './free-port.js'
import { canConnect, startProcess } from './process.js'

/** Options of {@link startMosquitto}. */
export interface MosquittoOptions {
  /**
   * Extra config lines, or `{ option: value }` pairs appended to the generated config, e.g.
   * `{ max_queued_messages: 100, max_inflight_messages: 10 }`.
   */
  readonly config?: Readonly<Record<string, string | number | boolean>> | readonly string[]
  /** Path of the mosquitto binary (default: found by `findProgram`). */
  readonly command?: string
  /** Ready timeout in ms (default 10 000). */
  readonly timeout?: number
}

/** A running Mosquitto. */
export interface RunningMosquitto {
  /** `mqtt://127.0.0.1:<port>` */
  readonly url: string
  readonly host: string
  readonly port: number
  /** The generated config, for debugging. */
  readonly config: string
  /** Its process id when it runs as a local process (to freeze it with SIGSTOP); not in a container. */
  readonly pid?: number
  /** Its log so far (empty when it runs in a container). */
  output(): string
  stop(): Promise<void>
}

function configLines(config: MosquittoOptions['config']): string[] {
  if (config === undefined) return []
  if (Array.isArray(config)) return [...(config as readonly string[])]
  return Object.entries(config).map(([k, v]) => `${k} ${String(v)}`)
}

/**
 * Starts Mosquitto and resolves once it accepts connections.
 *
 * @example
 * ```ts
 * const mosq = await startMosquitto({ config: { max_queued_messages: 100 } })
 * const client = mqtt.connect(mosq.url)
 * afterAll(() => mosq.stop())
 * ```
 */
export async function startMosquitto(options: MosquittoOptions = {}): Promise<RunningMosquitto> {
  const extra = configLines(options.config)
  const program = locateProgram('mosquitto', options.command)
  if ('image' in program) {
    const config = ['listener 1883 0.0.0.0', 'allow_anonymous true', ...extra, ''].join('\n')
    const c = await startContainer({
      image: program.image,
      containerPort: 1883,
      files: [{ content: config, target: '/mosquitto/config/mosquitto.conf' }],
    })
    return {
      url: `mqtt://${c.host}:${c.port}`,
      host: c.host,
      port: c.port,
      config,
      output: () => '',
      stop: () => c.stop(),
    }
  }
  const port = await freePort()
  const config = [
    `listener ${port} 127.0.0.1`,
    'allow_anonymous true',
    'persistence false',
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    'log_type notice',
    'log_type information',
    ...extra,
    '',
  ].join('\n')
  return inTempDir('sluice-mosquitto-', async (dir) => {
    const file = join(dir, 'mosquitto.conf')
    await writeFile(file, config)
    const proc = await startProcess(program.path, ['-c', file], {
      name: 'mosquitto',
      cwd: dir,
      readyWhen: { probe: () => canConnect(port) },
      timeout: options.timeout ?? 10_000,
    })
    return {
      url: `mqtt://127.0.0.1:${port}`,
      host: '127.0.0.1',
      port,
      config,
      pid: proc.pid,
      output: () => proc.output(),
      stop: () => proc.stop(),
    }
  })
}
