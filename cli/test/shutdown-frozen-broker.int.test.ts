/**
 * The services as users run them (`sluice window`, `sluice anomaly`, `sluice forward`, persistent
 * sessions, default `shutdownTimeoutMs`) stop within the bound when asked while their broker is frozen
 * with SIGSTOP, which is how a broker host that lost power or network looks (issue 11, item 5: windowing
 * stayed alive > 110 s). What they could not say is said by their last wills once the broker runs again.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { decodeStatus, parseTopic, statusFilter } from '@sluice/contract'
import {
  collectMessages,
  findProgram,
  startMosquitto,
  tempDir,
  waitFor,
  type RunningMosquitto,
  type TempDir,
} from '@sluice/testkit'
import { afterAll, describe, expect, it } from 'vitest'

const cliDir = join(dirname(fileURLToPath(import.meta.url)), '..')
const dist = join(cliDir, 'dist', 'main.js')
const entry = existsSync(dist)
  ? [dist]
  : ['--conditions=sluice-src', '--import', 'tsx', join(cliDir, 'src', 'main.ts')]
/** The services' default `shutdownTimeoutMs`. */
const SHUTDOWN_TIMEOUT_MS = 5000
/** Room for a loaded machine to run the exit path; before the fix they were alive after 30 s. */
const EXIT_BOUND_MS = SHUTDOWN_TIMEOUT_MS + 5000

const mosquitto = findProgram('mosquitto')
if (!mosquitto.available) console.warn(`skipping the frozen-broker test: ${mosquitto.skip ?? ''}`)

describe.skipIf(!mosquitto.available)('services asked to stop while the broker is frozen', () => {
  let broker: RunningMosquitto | undefined
  let dir: TempDir | undefined
  const procs: ChildProcess[] = []

  afterAll(async () => {
    if (broker?.pid !== undefined) process.kill(broker.pid, 'SIGCONT')
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL')
    await broker?.stop()
    await dir?.remove()
  })

  it('stop within shutdownTimeoutMs, and their wills say offline once the broker runs', async () => {
    broker = await startMosquitto()
    dir = await tempDir('sluice-frozen-')
    const pid = broker.pid
    if (pid === undefined)
      throw new Error('mosquitto runs in a container here: it cannot be frozen')
    const statuses = await collectMessages(broker.url, statusFilter('sluice'), {
      qos: 1,
      client: { reconnectPeriod: 500 },
    })
    const state = (service: string): string | undefined => {
      const last = statuses.messages.filter((m) => {
        const t = parseTopic('sluice', m.topic)
        return t?.kind === 'status' && t.service === service
      })
      const s = last.length === 0 ? undefined : decodeStatus(last.at(-1)!.payload)
      return s?.ok === true ? s.value.state : undefined
    }
    const services = [
      { name: 'windowing', args: ['window'] },
      { name: 'anomaly', args: ['anomaly'] },
      { name: 'forwarder', args: ['forward', '--dataDir', dir.path] },
    ]
    const outputs = new Map<string, string>()
    const exits = new Map<string, Promise<number | null>>()
    for (const s of services) {
      const p = spawn(
        process.execPath,
        [...entry, ...s.args, '--broker', broker.url, '--session', 'persistent'],
        { cwd: join(cliDir, '..'), stdio: ['ignore', 'pipe', 'pipe'] },
      )
      procs.push(p)
      outputs.set(s.name, '')
      const keep = (b: Buffer): void =>
        void outputs.set(s.name, outputs.get(s.name)! + b.toString())
      p.stdout.on('data', keep)
      p.stderr.on('data', keep)
      exits.set(s.name, new Promise((resolve) => p.once('close', (code) => resolve(code))))
    }
    const all = (): string => [...outputs].map(([n, o]) => `--- ${n}\n${o}`).join('\n')
    try {
      await waitFor(
        () =>
          services.every(
            (s) => state(s.name) === 'online' && outputs.get(s.name)!.includes('service started'),
          ),
        { timeout: 60_000, message: 'every service started and online' },
      )
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${all()}`, { cause: err })
    }

    process.kill(pid, 'SIGSTOP')
    try {
      const asked = Date.now()
      for (const p of procs) p.kill('SIGTERM')
      const took = await Promise.all(
        services.map(async (s) => {
          const code = await Promise.race([
            exits.get(s.name)!,
            new Promise<'alive'>((r) => setTimeout(() => r('alive'), EXIT_BOUND_MS)),
          ])
          return { name: s.name, code, ms: Date.now() - asked }
        }),
      )
      for (const t of took) expect(t.code, `${t.name} after ${t.ms} ms\n${all()}`).toBe(0)
    } finally {
      process.kill(pid, 'SIGCONT')
    }
    // The broker runs again, finds the sockets gone, and publishes each will.
    await waitFor(() => services.every((s) => state(s.name) === 'offline'), {
      timeout: 20_000,
      message: 'every status offline',
    })
    await statuses.close()
  }, 120_000)
})
