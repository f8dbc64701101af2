/**
 * A service that cannot start, as a user sees it from `sluice <command>` (issue 11): the failure's own
 * message and its documented code on stderr, no stack trace, and the exit code of docs/errors.md (2 when
 * the config was refused, so systemd does not restart it in a loop; 1 when a restart may help).
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort, tempDir } from '@sluice/testkit'
import { describe, expect, it } from 'vitest'

const cliDir = join(dirname(fileURLToPath(import.meta.url)), '..')
const dist = join(cliDir, 'dist', 'main.js')
// The built CLI when there is one (as users run it), else the sources through tsx.
const entry = existsSync(dist)
  ? [dist]
  : ['--conditions=sluice-src', '--import', 'tsx', join(cliDir, 'src', 'main.ts')]

function sluice(args: string[]): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const child = spawn(process.execPath, [...entry, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SLUICE_BROKER: undefined },
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stderr, stdout })))
}

/** A line of a JavaScript stack trace. */
const STACK_LINE = /^\s+at .+[(:]\d+/m

describe('a service that cannot start', () => {
  it('dashboard beyond loopback without a login: the documented message, exit 2', async () => {
    const r = await sluice([
      'dashboard',
      '--host',
      '0.0.0.0',
      '--port',
      '0',
      '--logLevel',
      'silent',
    ])
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toContain(
      'dashboard: The dashboard would listen on 0.0.0.0, beyond loopback, with no login',
    )
    expect(r.stderr).toContain('Set --httpUser and --httpPassword, or pass --allowAnonymous')
    expect(r.stderr).toContain('error code SLUICE_ERR_DASHBOARD_INSECURE')
    expect(r.stderr).not.toMatch(STACK_LINE)
  })

  it('a broker that is not there: the documented message, exit 1 so a supervisor retries', async () => {
    const port = await freePort()
    const r = await sluice([
      'window',
      '--broker',
      `mqtt://127.0.0.1:${port}`,
      '--logLevel',
      'silent',
    ])
    expect(r.code, r.stderr).toBe(1)
    expect(r.stderr).toContain(
      `windowing: Cannot connect to the broker at mqtt://127.0.0.1:${port}`,
    )
    expect(r.stderr).toContain('error code SLUICE_ERR_MESH_CONNECT')
    expect(r.stderr).not.toMatch(STACK_LINE)
  })

  it('sluice up on a port another program holds: names it, starts nothing, writes nothing, exit 1', async () => {
    // Another program (here a bare TCP server, as another broker would be) holds the broker's port. The
    // services must not start and join it: its mesh is not this one.
    const other = createServer((s) => s.destroy())
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve))
    const taken = (other.address() as AddressInfo).port
    const dir = await tempDir('sluice-up-taken-')
    const dataDir = join(dir.path, 'data')
    try {
      const r = await sluice([
        'up',
        '--port',
        String(taken),
        '--ws-port',
        String(await freePort()),
        '--dashboard-port',
        '0',
        '--no-table',
        '--data-dir',
        dataDir,
      ])
      expect(r.code, r.stderr).toBe(1)
      expect(r.stderr).toContain(
        `sluice up: cannot listen on 127.0.0.1:${taken} (the broker's MQTT port, --port): address already in use`,
      )
      expect(r.stderr).toContain('error code SLUICE_ERR_CLI_PORT_UNAVAILABLE')
      expect(r.stderr).not.toMatch(STACK_LINE)
      expect(r.stdout).not.toContain('service started')
      expect(existsSync(dataDir)).toBe(false)
    } finally {
      await new Promise((resolve) => other.close(resolve))
      await dir.remove()
    }
  })
})
