/**
 * A service asked to stop while its broker is unreachable still stops within `shutdownTimeoutMs` (issue 11,
 * item 5). The broker is a real Mosquitto process frozen with SIGSTOP, which is how a broker host that lost
 * power or network looks: the socket stays open and nothing answers. What the service could not say by the
 * deadline (its `offline` status) is left to its last will, which the broker publishes once it runs again.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { decodeStatus, statusTopic } from '@sluice/contract'
import mqtt from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mosquittoKind, type TestBroker } from './brokers.js'

const main = fileURLToPath(new URL('./fixtures/fixture-hops-main.ts', import.meta.url))
const SHUTDOWN_TIMEOUT_MS = 2000
// Generous: the process must also run its exit path on a loaded machine. Before the fix a clean session
// took ~46 s (the keepalive noticing the dead socket) and a persistent one waited for the broker forever.
const EXIT_BOUND_MS = SHUTDOWN_TIMEOUT_MS + 6000

// brokers.ts throws under SLUICE_REQUIRE_EXTERNAL=1 when Mosquitto is missing; skip otherwise.
if (mosquittoKind.unavailable !== undefined)
  console.warn(`skipping the frozen-broker shutdown tests: ${mosquittoKind.unavailable}`)

describe.skipIf(mosquittoKind.unavailable !== undefined)(
  'stop while the broker is frozen (SIGSTOP)',
  () => {
    let broker: TestBroker
    beforeAll(async () => {
      broker = await mosquittoKind.start()
    })
    afterAll(async () => {
      await broker.close()
    })

    for (const session of ['clean', 'persistent'] as const) {
      it(`exits within shutdownTimeoutMs on a ${session} session, and its will says offline`, async () => {
        const instance = `frozen-${session}`
        const watcher = await mqtt.connectAsync(broker.url, { reconnectPeriod: 500 })
        const states: string[] = []
        watcher.on('message', (_t, payload) => {
          const s = decodeStatus(payload)
          if (s.ok) states.push(s.value.state)
        })
        await watcher.subscribeAsync(statusTopic('sluice', 'fixture', instance), { qos: 1 })
        const child = spawn(
          process.execPath,
          [
            '--conditions=sluice-src',
            '--import',
            'tsx',
            main,
            ...['--broker', broker.url, '--instance', instance, '--session', session],
            ...['--shutdownTimeoutMs', String(SHUTDOWN_TIMEOUT_MS), '--logLevel', 'info'],
          ],
          { stdio: ['ignore', 'pipe', 'pipe'] },
        )
        let output = ''
        child.stdout.on('data', (d: Buffer) => (output += d.toString()))
        child.stderr.on('data', (d: Buffer) => (output += d.toString()))
        const exited = new Promise<number | null>((resolve) =>
          child.once('close', (code) => resolve(code)),
        )
        try {
          const until = async (what: () => boolean, ms: number): Promise<boolean> => {
            const end = Date.now() + ms
            while (!what() && Date.now() < end) await new Promise((r) => setTimeout(r, 20))
            return what()
          }
          // Started means subscribed and handling signals, not just online.
          const started = (): boolean =>
            states.includes('online') && output.includes('service started')
          expect(await until(started, 20_000), output).toBe(true)

          process.kill(broker.pid!, 'SIGSTOP')
          const asked = Date.now()
          child.kill('SIGTERM')
          const code = await Promise.race([
            exited,
            new Promise<'still running'>((r) =>
              setTimeout(() => r('still running'), EXIT_BOUND_MS),
            ),
          ])
          const tookMs = Date.now() - asked
          expect(code, `after ${tookMs} ms\n${output}`).toBe(0)
          expect(tookMs).toBeLessThan(EXIT_BOUND_MS)

          process.kill(broker.pid!, 'SIGCONT')
          expect(await until(() => states.at(-1) === 'offline', 15_000), states.join(',')).toBe(
            true,
          )
        } finally {
          process.kill(broker.pid!, 'SIGCONT')
          if (child.exitCode === null) child.kill('SIGKILL')
          await watcher.endAsync(true)
        }
      }, 60_000)
    }
  },
)
