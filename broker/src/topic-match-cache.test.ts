import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Aedes } from 'aedes'
import memoryPersistence from 'aedes-persistence'
import fc from 'fast-check'
import { Level } from 'level'
import { afterEach, describe, expect, it } from 'vitest'
import { routerMatcher, type RouterMatcher } from './aedes-internals.js'
import { levelPersistence } from './persistence/level-persistence.js'
import { cacheRouterMatches, cacheTopicMatches } from './topic-match-cache.js'

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

describe('cacheRouterMatches', () => {
  /** Aedes' router (mqemitter, as Aedes makes it) and its matcher. */
  interface Router {
    on(topic: string, notify: Listener): void
    removeListener(topic: string, notify: Listener, done: () => void): void
    removeAllListeners(topic: string): void
    emit(message: { topic: string }, done: () => void): void
  }
  type Listener = (message: { topic: string }, done: () => void) => void
  const brokers: Aedes[] = []
  afterEach(async () => {
    for (const b of brokers.splice(0))
      await new Promise<void>((resolve) => b.close(() => resolve()))
  })
  async function emitter(): Promise<{ mq: Router; matcher: RouterMatcher }> {
    const aedes = await Aedes.createBroker()
    brokers.push(aedes)
    return { mq: (aedes as unknown as { mq: Router }).mq, matcher: routerMatcher(aedes) }
  }
  const emit = (mq: Router, topic: string) =>
    new Promise<void>((resolve) => mq.emit({ topic }, () => resolve()))

  it('routes as before across subscribing and unsubscribing, from the cache in between', async () => {
    const { mq, matcher } = await emitter()
    cacheRouterMatches(matcher)
    let got: string[] = []
    const a: Listener = (m, cb) => {
      got.push(`a ${m.topic}`)
      cb()
    }
    const b: Listener = (m, cb) => {
      got.push(`b ${m.topic}`)
      cb()
    }
    /** Who an emit reached. */
    const reached = async (topic: string): Promise<string[]> => {
      got = []
      await emit(mq, topic)
      return got.sort()
    }
    mq.on('sluice/+/+/raw', a)
    expect(await reached('sluice/d/t/raw')).toEqual(['a sluice/d/t/raw'])
    expect(matcher.match('sluice/d/t/raw')).toBe(matcher.match('sluice/d/t/raw'))
    mq.on('sluice/#', b)
    expect(await reached('sluice/d/t/raw')).toEqual(['a sluice/d/t/raw', 'b sluice/d/t/raw'])
    await new Promise<void>((resolve) => mq.removeListener('sluice/+/+/raw', a, resolve))
    expect(await reached('sluice/d/t/raw')).toEqual(['b sluice/d/t/raw'])
    mq.removeAllListeners('sluice/#')
    expect(await reached('sluice/d/t/raw')).toEqual([])
  })

  it('agrees with the uncached matcher over any sequence of changes', async () => {
    const topicOf = fc.constantFrom('s/#', 's/+/raw', 's/d1/raw', '+/d1/#', 's/d2/+')
    const op = fc.oneof(
      fc.record({ kind: fc.constant('add' as const), topic: topicOf, who: fc.nat({ max: 3 }) }),
      fc.record({ kind: fc.constant('remove' as const), topic: topicOf, who: fc.nat({ max: 3 }) }),
      fc.record({ kind: fc.constant('removeAll' as const), topic: topicOf }),
      fc.record({ kind: fc.constant('clear' as const) }),
      fc.record({
        kind: fc.constant('match' as const),
        topic: fc.constantFrom('s/d1/raw', 's/d2/raw', 's/d2/window', 'x/d1/y', 's//raw'),
      }),
    )
    const listeners = [0, 1, 2, 3].map((i) => Object.assign(() => undefined, { who: i }))
    const plain = (await emitter()).matcher
    const cached = (await emitter()).matcher
    cacheRouterMatches(cached)
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        for (const m of [plain, cached]) m.clear()
        for (const o of ops) {
          if (o.kind === 'match') {
            const names = (m: RouterMatcher) =>
              m
                .match(o.topic)
                .map((l) => (l as { who: number }).who)
                .sort()
            expect(names(cached)).toEqual(names(plain))
            continue
          }
          for (const m of [plain, cached])
            if (o.kind === 'add') m.add(o.topic, listeners[o.who])
            else if (o.kind === 'remove') m.remove(o.topic, listeners[o.who])
            else if (o.kind === 'removeAll') m.remove(o.topic)
            else m.clear()
        }
      }),
      { numRuns: 300 },
    )
  })
})
