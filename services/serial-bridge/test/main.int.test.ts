/**
 * The bridge as a process (`src/main.ts`): `--list` without udevadm, and a configuration the runtime
 * accepts but the bridge cannot use, which must exit 2 listing every problem.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { startAedes, type RunningAedes } from '@sluice/testkit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url))

function run(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const child = spawn(
    process.execPath,
    ['--conditions=sluice-src', '--import', 'tsx', main, ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    },
  )
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const exited = new Promise<number | null>((resolve) =>
    child.once('close', (code) => resolve(code)),
  )
  return { exited, stdout: () => stdout, stderr: () => stderr }
}

describe('serial-bridge main', () => {
  let broker: RunningAedes
  beforeAll(async () => {
    broker = await startAedes()
  })
  afterAll(async () => {
    await broker.stop()
  })

  it('--list explains a missing udevadm and exits 1', async () => {
    // No PATH: `udevadm` cannot be found, as in a container without udev.
    const p = run(['--list'], { ...process.env, PATH: '/nonexistent' })
    expect(await p.exited).toBe(1)
    expect(p.stderr()).toContain(
      'Cannot list serial ports: the system tool `udevadm` is not installed',
    )
    expect(p.stderr()).toContain('Give the port directly with --port')
  })

  it('exits 2 listing every problem of an unusable configuration', async () => {
    const p = run([
      '--broker',
      broker.url,
      '--logLevel',
      'silent',
      '--mode',
      'serial',
      '--channels',
      'a,a',
      '--reconnect.initialMs',
      '900',
      '--reconnect.maxMs',
      '100',
    ])
    expect(await p.exited).toBe(2)
    expect(p.stderr()).toContain('3 problems')
    expect(p.stderr()).toContain('port: serial mode needs a port')
    expect(p.stderr()).toContain('reconnect.maxMs: must be at least reconnect.initialMs')
    expect(p.stderr()).toContain('channels: repeats a name: a,a')
  })
})
