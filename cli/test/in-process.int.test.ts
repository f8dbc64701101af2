/**
 * `sluice up`'s in-process mode contains a crash to the service it came from (issue 16): the crashed
 * child is reported exited with code 1 and restarted, the others keep running, and an error outside every
 * child still ends the process. Run as a separate process, so the test runner's own handlers of uncaught
 * errors stay out of it.
 */
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const cliDir = join(dirname(fileURLToPath(import.meta.url)), '..')
const fixture = join(cliDir, 'test', 'fixtures', 'in-process-crash.ts')

function run(...flags: string[]) {
  const r = spawnSync(
    process.execPath,
    ['--conditions=sluice-src', '--import', 'tsx', fixture, ...flags],
    { cwd: join(cliDir, '..'), encoding: 'utf8', timeout: 30_000 },
  )
  const events = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
  return { status: r.status, stderr: r.stderr, events }
}

describe('sluice up in one process', () => {
  it('restarts a child whose timer throws or whose promise is left rejected, and the others run on', () => {
    const { status, events, stderr } = run()
    expect(status, stderr).toBe(0)
    const outputs = events.filter((e) => e.event === 'output')
    expect(outputs).toContainEqual(
      expect.objectContaining({
        name: 'crashy',
        line: expect.stringContaining('crashed: Error: boom from a timer') as unknown,
      }),
    )
    expect(outputs).toContainEqual(
      expect.objectContaining({
        name: 'rejecty',
        line: expect.stringContaining('crashed: Error: unhandled rejection') as unknown,
      }),
    )
    // The child's logger reaches the supervisor as pino JSON lines.
    const started = outputs.find((e) => e.name === 'steady')
    expect(JSON.parse(String(started?.line))).toMatchObject({
      msg: 'steady started',
      args: ['--x', '1'],
    })
    const summary = events.find((e) => e.event === 'summary') as {
      exits: { name: string; code: number | null }[]
      ticksAtFirstCrash: number
      ticksBeforeStop: number
      stopped: string[]
    }
    const crashes = summary.exits.filter((e) => e.name === 'crashy')
    expect(crashes.slice(0, 2)).toEqual([
      { name: 'crashy', code: 1 },
      { name: 'crashy', code: 1 },
    ])
    // steady was never restarted: it exited once, cleanly, when stopped, and counted on after the crashes.
    expect(summary.exits.filter((e) => e.name === 'steady')).toEqual([{ name: 'steady', code: 0 }])
    expect(summary.stopped).toEqual(['steady'])
    expect(summary.ticksBeforeStop).toBeGreaterThan(summary.ticksAtFirstCrash)
  }, 40_000)

  it('ends the process on an error outside every child', () => {
    const { status, stderr } = run('--outside')
    expect(status).toBe(1)
    expect(stderr).toContain('outside every child')
  }, 40_000)
})
