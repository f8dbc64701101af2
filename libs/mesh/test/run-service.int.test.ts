import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { decodeStatus, statusTopic } from '@sluice/contract'
import mqtt from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aedesKind, type TestBroker } from './brokers.js'

const main = fileURLToPath(new URL('./fixtures/fixture-main.ts', import.meta.url))

function run(args: string[]) {
  const child = spawn(
    process.execPath,
    ['--conditions=sluice-src', '--import', 'tsx', main, ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const exited = new Promise<number | null>((resolve) =>
    child.once('close', (code) => resolve(code)),
  )
  return { child, exited, stderr: () => stderr }
}

describe('runService as a process', () => {
  let broker: TestBroker
  beforeAll(async () => {
    broker = await aedesKind.start()
  })
  afterAll(async () => {
    await broker.close()
  })

  it('exits with code 2 and prints every config problem at once', async () => {
    const p = run(['--broker', 'http://nope', '--metricsIntervalMs', '1', '--bogus', 'x'])
    expect(await p.exited).toBe(2)
    expect(p.stderr()).toContain('3 problems')
    expect(p.stderr()).toContain('broker')
    expect(p.stderr()).toContain('metricsIntervalMs')
    expect(p.stderr()).toContain('bogus')
  })

  it('goes online, and on SIGTERM publishes offline and exits with code 0', async () => {
    const watcher = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 })
    const states: string[] = []
    watcher.on('message', (_t, payload) => {
      const s = decodeStatus(payload)
      if (s.ok) states.push(s.value.state)
    })
    await watcher.subscribeAsync(statusTopic('sluice', 'fixture', 'proc1'), { qos: 1 })
    const p = run(['--broker', broker.url, '--instance', 'proc1', '--logLevel', 'silent'])
    const deadline = Date.now() + 15_000
    while (!states.includes('online') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20))
    expect(states).toContain('online')
    p.child.kill('SIGTERM')
    expect(await p.exited).toBe(0)
    while (!states.includes('offline') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20))
    expect(states.at(-1)).toBe('offline')
    await watcher.endAsync(true)
  })
})
