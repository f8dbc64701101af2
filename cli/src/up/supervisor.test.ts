import { describe, expect, it } from 'vitest'
import { restartDelay, Supervisor } from './supervisor.js'

describe('supervisor', () => {
  it('backs off exponentially up to a cap', () => {
    expect([1, 2, 3, 4].map((a) => restartDelay(a))).toEqual([500, 1000, 2000, 4000])
    expect(restartDelay(20)).toBe(15_000)
  })

  it('restarts a child that crashes, and stops it for good on stop()', async () => {
    const sup = new Supervisor([
      {
        name: 'crashy',
        command: process.execPath,
        args: ['-e', 'console.log("up"); setTimeout(() => process.exit(3), 50)'],
      },
    ])
    const exits: (number | null)[] = []
    const seen = new Promise<void>((resolve) => {
      sup.on('exit', (_n, code) => {
        exits.push(code)
        if (exits.length === 2) resolve()
      })
    })
    sup.start()
    await seen
    await sup.stop()
    expect(exits).toEqual([3, 3])
  })

  it('reports whole lines even when the pipe delivers one in pieces', async () => {
    const sup = new Supervisor([
      {
        name: 'split',
        command: process.execPath,
        args: [
          '-e',
          'process.stdout.write(\'{"msg":\'); setTimeout(() => process.stdout.write(\'"hi"}\\nend\\n\'), 100)',
        ],
      },
    ])
    const lines: string[] = []
    const done = new Promise<void>((resolve) =>
      sup.on('output', (_n, line) => {
        lines.push(line)
        if (line === 'end') resolve()
      }),
    )
    sup.start()
    await done
    await sup.stop()
    expect(lines).toEqual(['{"msg":"hi"}', 'end'])
  })

  it('stops children with SIGTERM, last started first', async () => {
    const script =
      'process.on("SIGTERM", () => { console.log("term " + process.argv[1]); process.exit(0) }); setInterval(() => {}, 1000); console.log("ready")'
    const sup = new Supervisor([
      { name: 'a', command: process.execPath, args: ['-e', script, 'a'] },
      { name: 'b', command: process.execPath, args: ['-e', script, 'b'] },
    ])
    const lines: string[] = []
    let ready = 0
    const bothReady = new Promise<void>((resolve) =>
      sup.on('output', (_n, line) => {
        lines.push(line)
        if (line === 'ready' && ++ready === 2) resolve()
      }),
    )
    sup.start()
    await bothReady
    await sup.stop()
    expect(lines.filter((l) => l.startsWith('term'))).toEqual(['term b', 'term a'])
  })
})
