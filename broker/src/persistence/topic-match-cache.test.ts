import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import memoryPersistence from 'aedes-persistence'
import fc from 'fast-check'
import { Level } from 'level'
import { afterEach, describe, expect, it } from 'vitest'
import { levelPersistence } from './level-persistence.js'
import { cacheTopicMatches } from './topic-match-cache.js'

/** What the tests call on a persistence. */
interface Store {
  subscriptionsByTopic(topic: string): Promise<{ clientId: string; topic: string }[]>
  addSubscriptions(client: { id: string }, subs: { topic: string; qos: number }[]): Promise<unknown>
  removeSubscriptions(client: { id: string }, topics: string[]): Promise<unknown>
  cleanSubscriptions(client: { id: string }): Promise<unknown>
  setup(broker: unknown): Promise<unknown>
}

const memory = (): Store => (memoryPersistence as unknown as () => Store)()
/** Who a topic's matches are, in a stable order. */
const who = (subs: { clientId: string; topic: string }[]): string[] =>
  subs.map((s) => `${s.clientId} ${s.topic}`).sort()
/** Just enough of an Aedes broker for the persistences' `setup`. */
const broker = { id: 'test', subscribe: () => undefined }

describe('cacheTopicMatches', () => {
  const dirs: string[] = []
  afterEach(async () => {
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true })
  })

  it('answers a topic again from the cache: the same array, not a new walk of the trie', async () => {
    const store = memory()
    await store.addSubscriptions({ id: 'w' }, [{ topic: 'sluice/+/+/raw', qos: 1 }])
    // Without the cache every answer is a new array.
    expect(await store.subscriptionsByTopic('sluice/d/t/raw')).not.toBe(
      await store.subscriptionsByTopic('sluice/d/t/raw'),
    )
    cacheTopicMatches(store)
    const first = await store.subscriptionsByTopic('sluice/d/t/raw')
    expect(who(first)).toEqual(['w sluice/+/+/raw'])
    expect(await store.subscriptionsByTopic('sluice/d/t/raw')).toBe(first)
  })

  it('forgets its answers when a subscription is added, removed or a client cleaned', async () => {
    const store = memory()
    cacheTopicMatches(store)
    const topic = 'sluice/d/t/raw'
    expect(await store.subscriptionsByTopic(topic)).toEqual([])
    await store.addSubscriptions({ id: 'a' }, [{ topic: 'sluice/#', qos: 1 }])
    expect(who(await store.subscriptionsByTopic(topic))).toEqual(['a sluice/#'])
    await store.addSubscriptions({ id: 'b' }, [{ topic: 'sluice/+/t/raw', qos: 1 }])
    expect(who(await store.subscriptionsByTopic(topic))).toEqual(['a sluice/#', 'b sluice/+/t/raw'])
    await store.removeSubscriptions({ id: 'a' }, ['sluice/#'])
    expect(who(await store.subscriptionsByTopic(topic))).toEqual(['b sluice/+/t/raw'])
    await store.cleanSubscriptions({ id: 'b' })
    expect(await store.subscriptionsByTopic(topic)).toEqual([])
  })

  it('does not keep an answer looked up while a change was under way', async () => {
    let release: () => void = () => undefined
    let matches = ['old']
    const store = {
      subscriptionsByTopic: () => Promise.resolve([...matches]),
      addSubscriptions: () =>
        new Promise<void>((resolve) => {
          release = () => {
            matches = ['new']
            resolve()
          }
        }),
      removeSubscriptions: () => Promise.resolve(),
      cleanSubscriptions: () => Promise.resolve(),
    }
    cacheTopicMatches(store)
    expect(await store.subscriptionsByTopic()).toEqual(['old'])
    const adding = store.addSubscriptions()
    const during = store.subscriptionsByTopic()
    release()
    await adding
    expect(await during).toEqual(['old']) // what the store said then
    expect(await store.subscriptionsByTopic()).toEqual(['new'])
  })

  it('agrees with the uncached store over any sequence of changes, on memory and LevelDB', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-topic-cache-'))
    dirs.push(dir)
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('add' as const),
        client: fc.constantFrom('a', 'b', 'c'),
        topic: fc.constantFrom('s/#', 's/+/raw', 's/d1/raw', 's/d2/+', '+/d1/#'),
        qos: fc.constantFrom(0, 1, 2),
      }),
      fc.record({
        kind: fc.constant('remove' as const),
        client: fc.constantFrom('a', 'b', 'c'),
        topic: fc.constantFrom('s/#', 's/+/raw', 's/d1/raw'),
      }),
      fc.record({ kind: fc.constant('clean' as const), client: fc.constantFrom('a', 'b', 'c') }),
      fc.record({
        kind: fc.constant('ask' as const),
        topic: fc.constantFrom('s/d1/raw', 's/d2/raw', 's/d2/window', 'x/d1/y'),
      }),
    )
    let run = 0
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 40 }), async (ops) => {
        const dbs = [0, 1].map(
          (i) => new Level<string, Buffer>(join(dir, `${run}-${i}`), { valueEncoding: 'buffer' }),
        )
        run++
        const level = (db: Level<string, Buffer>) => levelPersistence(db) as unknown as Store
        // Each pair: the same kind of persistence twice, the second cached.
        const pairs: [Store, Store][] = [
          [memory(), memory()],
          [level(dbs[0]!), level(dbs[1]!)],
        ]
        for (const [plain, cached] of pairs) {
          await plain.setup(broker)
          await cached.setup(broker)
          cacheTopicMatches(cached)
        }
        for (const o of ops)
          for (const [plain, cached] of pairs) {
            if (o.kind === 'ask') {
              expect(who(await cached.subscriptionsByTopic(o.topic))).toEqual(
                who(await plain.subscriptionsByTopic(o.topic)),
              )
              continue
            }
            for (const s of [plain, cached])
              if (o.kind === 'add') await s.addSubscriptions({ id: o.client }, [o])
              else if (o.kind === 'remove') await s.removeSubscriptions({ id: o.client }, [o.topic])
              else await s.cleanSubscriptions({ id: o.client })
          }
        for (const db of dbs) await db.close()
      }),
      { numRuns: 30 },
    )
  })
})
