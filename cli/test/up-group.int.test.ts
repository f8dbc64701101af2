/**
 * `sluice up --windowing N --anomaly N` as a user runs it (issue 13): N instances of each service start,
 * each with its own instance id (`windowing-1` …), in this one process by default and one process each with
 * `--processes`, and SIGINT stops them all cleanly.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { decodeStatus, parseTopic, statusFilter } from '@sluice/contract'
import { collectMessages, freePort, tempDir, waitFor, type TempDir } from '@sluice/testkit'
import { afterAll, describe, expect, it } from 'vitest'

const cliDir = join(dirname(fileURLToPath(import.meta.url)), '..')
const dist = join(cliDir, 'dist', 'main.js')
// The built CLI when there is one (as `pnpm start` runs it), else the sources through tsx.
const entry = existsSync(dist)
  ? [dist]
  : ['--conditions=sluice-src', '--import', 'tsx', join(cliDir, 'src', 'main.ts')]

const INSTANCES = ['windowing-1', 'windowing-2', 'anomaly-1', 'anomaly-2', 'anomaly-3']

describe.each([
  { mode: 'in one process (default)', flags: [] as string[], oneProcess: true },
  { mode: 'one process per service (--processes)', flags: ['--processes'], oneProcess: false },
])('sluice up --windowing 2 --anomaly 3, $mode', ({ flags, oneProcess }) => {
  let proc: ChildProcess | undefined
  let dir: TempDir | undefined
  let output = ''

  afterAll(async () => {
    if (proc && proc.exitCode === null) proc.kill('SIGKILL')
    await dir?.remove()
  })

  it('starts every instance with its own id, and stops them all on SIGINT', async () => {
    dir = await tempDir('sluice-up-group-')
    const port = await freePort()
    proc = spawn(
      process.execPath,
      [
        ...entry,
        'up',
        '--port',
        String(port),
        '--ws-port',
        String(await freePort()),
        '--no-table',
        '--no-dashboard',
        '--data-dir',
        dir.path,
        '--windowing',
        '2',
        '--anomaly',
        '3',
        ...flags,
      ],
      { cwd: join(cliDir, '..'), stdio: ['ignore', 'pipe', 'pipe'] },
    )
    proc.stdout!.on('data', (b: Buffer) => (output += b.toString()))
    proc.stderr!.on('data', (b: Buffer) => (output += b.toString()))
    await waitFor(() => output.includes('sluice up: broker'), { timeout: 30_000 })
    const url = `mqtt://127.0.0.1:${port}`
    const online = new Map<string, number | undefined>()
    await waitFor(
      async () => {
        const c = await collectMessages(url, statusFilter('sluice')).catch(() => undefined)
        if (c === undefined) return false
        await new Promise((r) => setTimeout(r, 300))
        await c.close()
        for (const m of c.messages) {
          const t = parseTopic('sluice', m.topic)
          const s = decodeStatus(m.payload)
          if (t?.kind === 'status' && s.ok && s.value.state === 'online')
            online.set(`${t.service}/${t.instance}`, s.value.pid)
        }
        return INSTANCES.every((i) => online.has(`${i.replace(/-\d+$/, '')}/${i}`))
      },
      { timeout: 60_000, message: 'every instance online' },
    ).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}\n--- sluice up output ---\n${output}`, {
        cause: err,
      })
    })
    const pids = new Set(INSTANCES.map((i) => online.get(`${i.replace(/-\d+$/, '')}/${i}`)))
    if (oneProcess) expect([...pids]).toEqual([proc.pid])
    else expect(pids.size).toBe(INSTANCES.length)

    const exited = new Promise<number | null>((resolve) =>
      proc!.on('close', (code) => resolve(code)),
    )
    proc.kill('SIGINT')
    expect(await exited).toBe(0)
  })
})
