import { describe, expect, it } from 'vitest'
import { createSinkCommits, type CommitTarget } from './sink-commit.js'

/** A target that records each offer; and a `defer` whose callbacks run when the test says. */
function setup() {
  const offers = new Map<string, number[][]>()
  const target = (name: string): CommitTarget<number> => {
    offers.set(name, [])
    return { offer: (items) => void offers.get(name)!.push([...items]) }
  }
  const due: (() => void)[] = []
  const commits = createSinkCommits<number>((run) => void due.push(run))
  const endTurn = (): void => {
    for (const run of due.splice(0)) run()
  }
  return { offers, target, commits, endTurn }
}

describe('sink commits', () => {
  it("offers a target's items of one turn together at the turn's end, in order", () => {
    const { offers, target, commits, endTurn } = setup()
    const a = target('a')
    const b = target('b')
    commits.add(a, [1, 2])
    commits.add(b, [10])
    commits.add(a, [3])
    expect(offers.get('a')).toEqual([])
    endTurn()
    expect(offers.get('a')).toEqual([[1, 2, 3]])
    expect(offers.get('b')).toEqual([[10]])
    commits.add(a, [4])
    endTurn()
    expect(offers.get('a')).toEqual([[1, 2, 3], [4]])
  })

  it('commits at once when asked, and the turn then offers nothing twice', () => {
    const { offers, target, commits, endTurn } = setup()
    const a = target('a')
    commits.add(a, [1])
    commits.commit()
    expect(offers.get('a')).toEqual([[1]])
    endTurn()
    expect(offers.get('a')).toEqual([[1]])
  })

  it('keeps items added after the caller reuses its array', () => {
    const { offers, target, commits, endTurn } = setup()
    const a = target('a')
    const items = [1, 2]
    commits.add(a, items)
    items.length = 0
    endTurn()
    expect(offers.get('a')).toEqual([[1, 2]])
  })

  it('runs on the real event loop: one offer for the batches of one turn', async () => {
    const offered: number[][] = []
    const commits = createSinkCommits<number>()
    const t: CommitTarget<number> = { offer: (items) => void offered.push([...items]) }
    for (let i = 0; i < 5; i++) commits.add(t, [i])
    await new Promise((r) => setImmediate(r))
    expect(offered).toEqual([[0, 1, 2, 3, 4]])
  })

  it('commits at the turn end after a quiet spell, and lingers while the turns come fast', () => {
    let clock = 0
    const delays: number[] = []
    const due: (() => void)[] = []
    const commits = createSinkCommits<number>(
      (run, delayMs) => {
        delays.push(delayMs)
        due.push(run)
      },
      10,
      () => clock,
    )
    const offered: number[][] = []
    const t: CommitTarget<number> = { offer: (items) => void offered.push([...items]) }
    const fire = (): void => {
      for (const run of due.splice(0)) run()
    }
    commits.add(t, [1])
    fire()
    clock = 2
    commits.add(t, [2])
    clock = 5
    commits.add(t, [3])
    clock = 10
    fire()
    clock = 30
    commits.add(t, [4])
    fire()
    expect(delays).toEqual([0, 8, 0])
    expect(offered).toEqual([[1], [2, 3], [4]])
  })
})
