/**
 * `sluice up` as a user runs it: one command starts the broker and every service as separate processes,
 * data flows from the simulated sensors to windows and anomalies, and SIGINT stops everything cleanly.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { decodeStatus, parseTopic } from '@sluice/contract'
import { collectMessages, freePort, tempDir, waitFor, type TempDir } from '@sluice/testkit'
import { afterAll, describe, expect, it } from 'vitest'

const cliDir = join(dirname(fileURLToPath(import.meta.url)), '..')
const dist = join(cliDir, 'dist', 'main.js')
// The built CLI when there is one (as `pnpm start` runs it), else the sources through tsx.
const entry = existsSync(dist)
  ? [dist]
  : ['--conditions=sluice-src', '--import', 'tsx', join(cliDir, 'src', 'main.ts')]

describe('sluice up', () => {
  let proc: ChildProcess | undefined
  let dir: TempDir | undefined
  let output = ''

  afterAll(async () => {
    if (proc && proc.exitCode === null) proc.kill('SIGKILL')
    await dir?.remove()
  })

  it('runs the whole pipeline and stops it on SIGINT', async () => {
    dir = await tempDir('sluice-up-')
    const port = await freePort()
    const wsPort = await freePort()
    proc = spawn(
      process.execPath,
      [
        ...entry,
        'up',
        '--port',
        String(port),
        '--ws-port',
        String(wsPort),
        '--no-table',
        '--no-dashboard',
        '--data-dir',
        dir.path,
        '--rate',
        '50',
        '--sensors',
        '2',
      ],
      // From the repository root, so `--import tsx` resolves when the sources are run without a build.
      { cwd: join(cliDir, '..'), stdio: ['ignore', 'pipe', 'pipe'] },
    )
    proc.stdout!.on('data', (b: Buffer) => (output += b.toString()))
    proc.stderr!.on('data', (b: Buffer) => (output += b.toString()))
    const explain = async (p: Promise<unknown>): Promise<void> => {
      try {
        await p
      } catch (err) {
        throw new Error(`${(err as Error).message}\n--- sluice up output ---\n${output}`, {
          cause: err,
        })
      }
    }
    await explain(waitFor(() => output.includes('sluice up: broker'), { timeout: 30_000 }))

    const url = `mqtt://127.0.0.1:${port}`
    await waitFor(
      async () => {
        try {
          const c = await collectMessages(url, ['#'])
          await c.close()
          return true
        } catch {
          return false
        }
      },
      { timeout: 20_000 },
    )
    const seen = await collectMessages(url, ['sluice/#'])
    const topicKinds = (): Set<string> =>
      new Set(
        seen.messages
          .map((m) => parseTopic('sluice', m.topic)?.kind)
          .filter((k) => k !== undefined),
      )
    await explain(
      waitFor(() => ['raw', 'window', 'status', 'metrics'].every((k) => topicKinds().has(k)), {
        timeout: 40_000,
        message: 'raw, window, status and metrics topics',
      }),
    )
    const online = new Set(
      seen.messages
        .filter((m) => m.topic.endsWith('/status'))
        .map((m) => [parseTopic('sluice', m.topic), decodeStatus(m.payload)] as const)
        .filter(([, s]) => s.ok && s.value.state === 'online')
        .map(([t]) => (t?.kind === 'status' ? t.service : '')),
    )
    for (const svc of ['broker', 'serial-bridge', 'windowing', 'anomaly', 'forwarder'])
      expect(online, svc).toContain(svc)
    await seen.close()

    const exited = new Promise<number | null>((resolve) =>
      proc!.on('exit', (code) => resolve(code)),
    )
    proc.kill('SIGINT')
    expect(await exited).toBe(0)
    expect(output).toContain('stopping')
  }, 120_000)
})
