/**
 * @module test/brokers
 * The brokers the mesh integration suites run against, each on a free port on 127.0.0.1 and stopped in
 * hooks: Aedes in-process (`net.createServer(aedes.handle)`, stock, not our broker package) and the real
 * Mosquitto (`/usr/sbin/mosquitto` with a temporary config). Mosquitto is skipped when absent, unless
 * `SLUICE_REQUIRE_EXTERNAL=1`, which makes its absence a failure. One suite runs on every broker, as
 * MQTT.js runs one suite on every transport (STYLE.md).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect, createServer, type AddressInfo, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Aedes } from 'aedes'

/** A running broker. */
export interface TestBroker {
  readonly name: string
  readonly url: string
  /** The broker's process id, when it runs as its own process (to freeze it with SIGSTOP). */
  readonly pid?: number
  close(): Promise<void>
}

/** How to start one kind of broker. */
export interface BrokerKind {
  readonly name: string
  /** Why it is unavailable, or undefined when it can run. */
  readonly unavailable: string | undefined
  start(): Promise<TestBroker>
}

const MOSQUITTO = '/usr/sbin/mosquitto'

async function freePort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))
  const port = (s.address() as AddressInfo).port
  await new Promise<void>((resolve) => s.close(() => resolve()))
  return port
}

export const aedesKind: BrokerKind = {
  name: 'aedes',
  unavailable: undefined,
  async start() {
    const aedes = await Aedes.createBroker()
    const server: Server = createServer(aedes.handle)
    const sockets = new Set<import('node:net').Socket>()
    server.on('connection', (s) => {
      sockets.add(s)
      s.once('close', () => sockets.delete(s))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as AddressInfo).port
    return {
      name: 'aedes',
      url: `mqtt://127.0.0.1:${port}`,
      async close() {
        await new Promise<void>((resolve) => aedes.close(() => resolve()))
        for (const s of sockets) s.destroy()
        await new Promise<void>((resolve) => server.close(() => resolve()))
      },
    }
  },
}

export const mosquittoKind: BrokerKind = {
  name: 'mosquitto',
  unavailable: existsSync(MOSQUITTO) ? undefined : `${MOSQUITTO} is not installed`,
  async start() {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-mosq-'))
    const port = await freePort()
    const conf = join(dir, 'mosquitto.conf')
    writeFileSync(
      conf,
      [
        `listener ${port} 127.0.0.1`,
        'allow_anonymous true',
        'persistence false',
        'max_queued_messages 100000',
        'log_dest none',
        '',
      ].join('\n'),
    )
    const child: ChildProcess = spawn(MOSQUITTO, ['-c', conf], { stdio: 'ignore' })
    // Wait until the port accepts connections.
    const deadline = Date.now() + 5000
    for (;;) {
      const ok = await new Promise<boolean>((resolve) => {
        const s = connect(port, '127.0.0.1')
        s.once('connect', () => {
          s.destroy()
          resolve(true)
        })
        s.once('error', () => resolve(false))
      })
      if (ok) break
      if (Date.now() > deadline) throw new Error('mosquitto did not start')
      await new Promise((r) => setTimeout(r, 50))
    }
    return {
      name: 'mosquitto',
      url: `mqtt://127.0.0.1:${port}`,
      ...(child.pid === undefined ? {} : { pid: child.pid }),
      async close() {
        if (child.exitCode === null) {
          // A frozen broker ignores SIGTERM until it runs again.
          child.kill('SIGCONT')
          const exited = new Promise((resolve) => child.once('exit', resolve))
          child.kill('SIGTERM')
          await exited
        }
        rmSync(dir, { recursive: true, force: true })
      },
    }
  },
}

/** The brokers to run a suite on; throws when an external one is required and missing. */
export function brokerKinds(): BrokerKind[] {
  const kinds = [aedesKind, mosquittoKind]
  if (process.env.SLUICE_REQUIRE_EXTERNAL === '1') {
    for (const k of kinds) {
      if (k.unavailable !== undefined)
        throw new Error(`SLUICE_REQUIRE_EXTERNAL=1 but ${k.name}: ${k.unavailable}`)
    }
  }
  return kinds
}
