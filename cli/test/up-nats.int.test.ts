/**
 * `sluice up --nats` as a user runs it (issue 14): it starts the installed nats-server with JetStream
 * under the data dir and its MQTT listener, and stops it on SIGINT; a missing nats-server, or a port
 * another nats-server already holds (Debian's package runs one on 4222), is a clear error with its code.
 * The services themselves refuse nats:// until the NATS transport lands, so no data flows here yet.
 */
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { connect } from 'node:net'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  findProgram,
  freePort,
  startNatsServer,
  tempDir,
  waitFor,
  type RunningNatsServer,
} from '@sluice/testkit'
import mqtt from 'mqtt'
import { afterAll, describe, expect, it } from 'vitest'

const cliDir = join(dirname(fileURLToPath(import.meta.url)), '..')
const dist = join(cliDir, 'dist', 'main.js')
// The built CLI when there is one (as `pnpm start` runs it), else the sources through tsx.
const entry = existsSync(dist)
  ? [dist]
  : ['--conditions=sluice-src', '--import', 'tsx', join(cliDir, 'src', 'main.ts')]

const nats = findProgram('nats-server')

/** True when something accepts TCP connections on 127.0.0.1:port. */
function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

/** Starts `sluice up` with `args`; `output` collects stdout and stderr, `exited` its exit code. */
function sluiceUp(args: readonly string[]) {
  const proc = spawn(process.execPath, [...entry, 'up', '--no-table', '--no-dashboard', ...args], {
    cwd: join(cliDir, '..'),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  proc.stdout.on('data', (b: Buffer) => (output += b.toString()))
  proc.stderr.on('data', (b: Buffer) => (output += b.toString()))
  const exited = new Promise<number | null>((resolve) =>
    proc.once('close', (code) => resolve(code)),
  )
  return { proc, exited, output: () => output }
}

describe('sluice up --nats without nats-server', () => {
  it('says it is missing, how to install it, and the error code, and starts nothing', async () => {
    const up = sluiceUp(['--nats', '--nats-server', '/nonexistent/nats-server'])
    expect(await up.exited).toBe(1)
    expect(up.output()).toContain('apt install nats-server')
    expect(up.output()).toContain('SLUICE_ERR_CLI_NATS_SERVER_MISSING')
  })
})

describe.skipIf(!nats.available)('sluice up --nats', () => {
  const cleanup: (() => Promise<void>)[] = []
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c()
  })

  it('starts nats-server with JetStream and its MQTT listener, runs the mesh on it, and stops it on SIGINT', async () => {
    const dir = await tempDir('sluice-up-nats-')
    cleanup.push(() => dir.remove())
    const natsPort = await freePort()
    const mqttPort = await freePort()
    const up = sluiceUp([
      '--nats',
      '--nats-port',
      String(natsPort),
      '--nats-mqtt-port',
      String(mqttPort),
      '--data-dir',
      dir.path,
    ])
    cleanup.push(async () => {
      if (up.proc.exitCode === null) up.proc.kill('SIGKILL')
      await up.exited
    })
    await waitFor(() => up.output().includes('sluice up: broker'), {
      timeout: 15_000,
      message: 'sluice up to start nats-server',
    })
    expect(up.output()).toContain(
      `broker nats://127.0.0.1:${natsPort} (MQTT mqtt://127.0.0.1:${mqttPort})`,
    )
    // The services run on NATS: their windows come out of the MQTT listener, as for mosquitto_sub.
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { reconnectPeriod: 0 })
    const windows: string[] = []
    client.on('message', (topic) => windows.push(topic))
    await client.subscribeAsync('sluice/+/+/window/+', { qos: 0 })
    await waitFor(() => windows.length > 0, { timeout: 20_000, message: 'a window over MQTT' })
    await client.endAsync()
    expect(existsSync(join(dir.path, 'nats', 'jetstream'))).toBe(true)

    up.proc.kill('SIGINT')
    expect(await up.exited).toBe(0)
    expect(up.output()).toMatch(/nats-server +info +Server Exiting/)
    expect(await canConnect(natsPort)).toBe(false)
    expect(await canConnect(mqttPort)).toBe(false)
    // Stopped in data-flow order: the forwarder wrote what windowing published.
    expect(readFileSync(join(dir.path, 'forward.jsonl'), 'utf8')).toContain('"kind":"window"')
  })

  it('names the taken port when another nats-server holds it, with the error code', async () => {
    const other: RunningNatsServer = await startNatsServer()
    cleanup.push(() => other.stop())
    const dir = await tempDir('sluice-up-nats-')
    cleanup.push(() => dir.remove())
    const up = sluiceUp([
      '--nats',
      '--nats-port',
      String(other.port),
      '--nats-mqtt-port',
      String(await freePort()),
      '--data-dir',
      dir.path,
    ])
    expect(await up.exited).toBe(1)
    expect(up.output()).toContain(
      `127.0.0.1:${other.port} (nats-server's client port, --nats-port): address already in use`,
    )
    expect(up.output()).toContain('SLUICE_ERR_CLI_PORT_UNAVAILABLE')
  })
})
