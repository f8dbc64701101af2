/**
 * `sluice up` as a user runs it: one command starts the broker and every service — inside its own process
 * by default, one process each with `--processes` — data flows from the simulated sensors to windows and
 * anomalies, and SIGINT stops everything cleanly.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { anomalyFilter, decodeStatus, parseTopic, windowFilter } from '@sluice/contract'
import { collectMessages, freePort, tempDir, waitFor, type TempDir } from '@sluice/testkit'
import { afterAll, describe, expect, it } from 'vitest'

const cliDir = join(dirname(fileURLToPath(import.meta.url)), '..')
const dist = join(cliDir, 'dist', 'main.js')
// The built CLI when there is one (as `pnpm start` runs it), else the sources through tsx.
const entry = existsSync(dist)
  ? [dist]
  : ['--conditions=sluice-src', '--import', 'tsx', join(cliDir, 'src', 'main.ts')]

describe.each([
  { mode: 'in one process (default)', flags: [] as string[], oneProcess: true },
  { mode: 'one process per service (--processes)', flags: ['--processes'], oneProcess: false },
])('sluice up, $mode', ({ flags, oneProcess }) => {
  let proc: ChildProcess | undefined
  let dir: TempDir | undefined
  let output = ''

  afterAll(async () => {
    if (proc && proc.exitCode === null) proc.kill('SIGKILL')
    await dir?.remove()
  })

  it('runs the whole pipeline, and on SIGINT stops it with every aggregate and event forwarded', async () => {
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
        ...flags,
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
    // An independent subscriber: what it sees published, the shutdown flush included, must all reach the
    // forwarder's file (issue 11, item 3: the forwarder used to stop before windowing flushed). It
    // subscribes once the forwarder has (it logs "service started" after its SUBACK), so both see the same.
    await explain(
      waitFor(() => /forwarder +info +service started/.test(output), {
        timeout: 30_000,
        message: 'the forwarder subscribed',
      }),
    )
    const published = await collectMessages(
      url,
      [windowFilter('sluice'), anomalyFilter('sluice')],
      {
        qos: 1,
      },
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
    const statuses = seen.messages
      .filter((m) => m.topic.endsWith('/status'))
      .map((m) => [parseTopic('sluice', m.topic), decodeStatus(m.payload)] as const)
      .flatMap(([t, s]) =>
        t?.kind === 'status' && s.ok && s.value.state === 'online'
          ? [{ service: t.service, pid: s.value.pid }]
          : [],
      )
    const online = new Set(statuses.map((s) => s.service))
    for (const svc of ['broker', 'serial-bridge', 'windowing', 'anomaly', 'forwarder'])
      expect(online, svc).toContain(svc)
    // Each service says which process it runs in.
    const pids = new Set(statuses.filter((s) => s.service !== 'broker').map((s) => s.pid))
    if (oneProcess) expect([...pids]).toEqual([proc.pid])
    else expect(pids.size).toBe(4)
    await seen.close()

    // Enough traffic that aggregates are in flight at every stage when the stop comes.
    await explain(
      waitFor(() => published.messages.length >= 100, {
        timeout: 40_000,
        message: '100 aggregates or events',
      }),
    )
    const exited = new Promise<number | null>((resolve) =>
      proc!.on('close', (code) => resolve(code)),
    )
    const stopAskedAt = Date.now()
    proc.kill('SIGINT')
    expect(await exited).toBe(0)
    expect(output).toContain('stopping')

    const key = (topic: string, payload: unknown): string => `${topic} ${JSON.stringify(payload)}`
    const forwarded = new Set(
      readFileSync(join(dir.path, 'forward.jsonl'), 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as { topic: string; payload: unknown })
        .map((r) => key(r.topic, r.payload)),
    )
    // A window batch (a JSON array) is forwarded as its aggregates, one line each.
    const sent = published.messages.flatMap((m) => {
      const payload: unknown = JSON.parse(m.payload.toString())
      return (Array.isArray(payload) ? payload : [payload]).map((p) => ({
        key: key(m.topic, p),
        afterStopMs: m.receivedAt - stopAskedAt,
      }))
    })
    await published.close().catch(() => undefined)
    const flush = published.messages.filter((m) => m.receivedAt >= stopAskedAt)
    expect(flush.length, 'windows flushed at shutdown').toBeGreaterThan(0)
    const missing = sent.filter((m) => !forwarded.has(m.key))
    expect(
      missing,
      `${missing.length} of ${sent.length} not forwarded:\n${missing
        .slice(0, 5)
        .map((m) => `${m.afterStopMs} ms after SIGINT: ${m.key}`)
        .join('\n')}\n--- sluice up output ---\n${output.slice(-6000)}`,
    ).toEqual([])
  }, 120_000)
})
