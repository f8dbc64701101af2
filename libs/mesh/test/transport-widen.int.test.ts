/**
 * The transport contract a group member relies on when its filters change (group/unit-subscriptions):
 * a filter subscribed before an older, overlapping one is dropped takes over with nothing lost between the
 * two, wider or narrower, even
 * while the older one's messages are still waiting for a slow handler. On MQTT the broker queues both on
 * one connection, in order; on NATS JetStream each filter is a consumer of its own, so the older one must
 * be read up to where the newer one starts before it goes. A lone survivor of a group moves from its
 * sensors' topics to the wildcards this way, and a member that is joined narrows back to its own; under
 * load, with its consumers behind, NATS lost the older consumer's backlog before consumers/takeoverStart.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createTransport } from '../src/internal.js'
import { brokerKinds, type TestBroker } from './brokers.js'

const PREFIX = 'widen'
const TOTAL = 2000
/** Published before the filters change, faster than the handler takes them: a backlog. */
const BEFORE = 1500

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

for (const kind of brokerKinds({ nats: true })) {
  describe.skipIf(kind.unavailable !== undefined)(`filters widened on ${kind.name}`, () => {
    let broker: TestBroker | undefined
    const closing: (() => Promise<void>)[] = []
    afterEach(async () => {
      for (const c of closing.splice(0).reverse()) await c()
      await broker?.close()
      broker = undefined
    })

    const narrow = `${PREFIX}/d0/c0/raw`
    const wide = `${PREFIX}/+/+/raw`
    it.each([
      ['a wider filter replaces a narrower one', narrow, wide],
      ['a narrower filter replaces a wider one', wide, narrow],
    ])('loses no message when %s behind a slow handler', async (_, before, after) => {
      broker = await kind.start()
      const t = createTransport({
        url: broker.url,
        clientId: `widen-${kind.name}-${process.pid}`,
        prefix: PREFIX,
        ...(broker.overrides?.['nats'] === undefined
          ? {}
          : { nats: broker.overrides['nats'] as { leaseMs: number } }),
      })
      const seen = new Set<number>()
      // One message at a time, a timer tick each: the broker holds what the handler has not taken yet.
      t.onMessage((m, ack) => {
        seen.add(Number(Buffer.from(m.payload).toString()))
        setTimeout(() => ack(), 1)
      })
      await t.connect()
      closing.push(() => t.close())
      await t.subscribe(before, 1)
      const publisher = await broker.client(PREFIX)
      closing.push(() => publisher.endAsync())
      const publish = (from: number, to: number) =>
        Promise.all(
          Array.from({ length: to - from }, (_, i) =>
            publisher.publishAsync(narrow, String(from + i), { qos: 1 }),
          ),
        )

      await publish(0, BEFORE)
      expect(seen.size, 'the handler is behind when the filters change').toBeLessThan(BEFORE)
      await t.subscribe(after, 1)
      await t.unsubscribe(before)
      await publish(BEFORE, TOTAL)

      const deadline = Date.now() + 20_000
      while (seen.size < TOTAL && Date.now() < deadline) await sleep(50)
      const missing = Array.from({ length: TOTAL }, (_, i) => i).filter((i) => !seen.has(i))
      expect(missing).toEqual([])
    }, 40_000)
  })
}
