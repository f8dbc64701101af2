/**
 * `sluice broker` as a user runs it (issue 11, item 11): it logs pino JSON like every service, and it
 * refuses to start, saying why and with the error's code, where it would otherwise refuse every client
 * without a word (off loopback with no user).
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import mqtt from 'mqtt'
import { waitFor } from '@sluice/testkit'
import { describe, expect, it } from 'vitest'

const cliDir = join(dirname(fileURLToPath(import.meta.url)), '..')
const dist = join(cliDir, 'dist', 'main.js')
const entry = existsSync(dist)
  ? [dist]
  : ['--conditions=sluice-src', '--import', 'tsx', join(cliDir, 'src', 'main.ts')]

function sluiceBroker(args: readonly string[]) {
  const proc = spawn(process.execPath, [...entry, 'broker', ...args], {
    cwd: join(cliDir, '..'),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const out = { stdout: '', stderr: '' }
  proc.stdout.on('data', (b: Buffer) => (out.stdout += b.toString()))
  proc.stderr.on('data', (b: Buffer) => (out.stderr += b.toString()))
  const exited = new Promise<number | null>((resolve) => proc.once('close', resolve))
  const lines = () =>
    out.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
  return { proc, out, exited, lines }
}

describe('sluice broker', () => {
  it('refuses to start on 0.0.0.0 with no user, saying why, with the code', async () => {
    const b = sluiceBroker(['--host', '0.0.0.0', '--port', '0'])
    const timer = setTimeout(() => b.proc.kill('SIGKILL'), 20_000)
    const code = await b.exited
    clearTimeout(timer)
    expect(code).toBe(1)
    expect(b.out.stderr).toMatch(/refusing to listen on 0\.0\.0\.0[\s\S]*sluice broker passwd/)
    expect(b.lines()).toContainEqual(
      expect.objectContaining({ svc: 'broker', code: 'SLUICE_ERR_BROKER_NO_CREDENTIALS' }),
    )
  })

  it('logs that it listens, and that it closed on SIGTERM', async () => {
    const b = sluiceBroker(['--port', '0'])
    try {
      await waitFor(() => b.lines().some((l) => l.msg === 'broker listening'), {
        timeout: 20_000,
        message: 'the "broker listening" log line',
      })
      const listening = b.lines().find((l) => l.msg === 'broker listening')!
      expect(listening).toMatchObject({ svc: 'broker', host: '127.0.0.1' })
      const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${String(listening.tcpPort)}`, {
        reconnectPeriod: 0,
      })
      await c.endAsync()
      b.proc.kill('SIGTERM')
      expect(await b.exited).toBe(0)
      expect(b.lines().map((l) => l.msg)).toContain('broker closed')
    } finally {
      if (b.proc.exitCode === null) b.proc.kill('SIGKILL')
    }
  })
})
