import { describe, expect, it } from 'vitest'
import { restartDelay, stopStages, Supervisor } from './supervisor.js'

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

  it('stops stage by stage, each once every child of the stage before has exited', async () => {
    // Each child takes a while to exit after SIGTERM, as a service does while it flushes.
    const script =
      'process.on("SIGTERM", () => { console.log("term " + process.argv[1]); setTimeout(() => { console.log("exit " + process.argv[1]); process.exit(0) }, 300) }); setInterval(() => {}, 1000); console.log("ready")'
    const child = (name: string, stopStage: number) => ({
      name,
      command: process.execPath,
      args: ['-e', script, name],
      stopStage,
    })
    // Started sink first, producer last; stopped producer first, sink last.
    const sup = new Supervisor([
      child('sink', 2),
      child('left', 1),
      child('right', 1),
      child('source', 0),
    ])
    const lines: string[] = []
    let ready = 0
    const allReady = new Promise<void>((resolve) =>
      sup.on('output', (_n, line) => {
        lines.push(line)
        if (line === 'ready' && ++ready === 4) resolve()
      }),
    )
    sup.start()
    await allReady
    await sup.stop()
    const events = lines.filter((l) => l !== 'ready')
    const at = (l: string): number => events.indexOf(l)
    expect(at('exit source')).toBeLessThan(at('term left'))
    expect(at('exit source')).toBeLessThan(at('term right'))
    // The two of one stage stop together: both are asked before either has exited.
    expect(Math.max(at('term left'), at('term right'))).toBeLessThan(
      Math.min(at('exit left'), at('exit right')),
    )
    expect(Math.max(at('exit left'), at('exit right'))).toBeLessThan(at('term sink'))
    expect(events.at(-1)).toBe('exit sink')
  })

  it('groups stages lowest first, then the unstaged ones last started first', () => {
    const names = stopStages([
      { name: 'a', stopStage: 2 },
      { name: 'b' },
      { name: 'c', stopStage: 0 },
      { name: 'd', stopStage: 2 },
      { name: 'e' },
    ]).map((g) => g.map((s) => s.name))
    expect(names).toEqual([['c'], ['a', 'd'], ['e'], ['b']])
  })
})
