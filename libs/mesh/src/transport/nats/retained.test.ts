import type { KV, KvEntry } from '@nats-io/kv'
import { describe, expect, it } from 'vitest'
import { createRetainedStore, encodeRetained } from './retained.js'

/**
 * A key-value bucket on a clock of the test's: every write is a revision, a watch shows the values and
 * then every write, and while it is `down` (a cluster electing a leader) every request fails as a
 * timeout. `update` is a compare-and-set on the key's revision, as JetStream's.
 */
function fakeBucket(clock: () => number) {
  let revision = 0
  let down = false
  // What a live entry says is still to come: 0, unless a test makes the count wrong.
  let delta = 0
  const current = new Map<string, KvEntry>()
  const watchers = new Set<(e: KvEntry) => void>()
  const timeout = (): Promise<never> => Promise.reject(new Error('TIMEOUT'))

  function write(key: string, value: Uint8Array): number {
    revision++
    const entry = {
      key,
      value,
      revision,
      operation: 'PUT',
      delta,
      isUpdate: true,
      created: new Date(clock()),
    } as unknown as KvEntry
    current.set(key, entry)
    for (const w of watchers) w(entry)
    return revision
  }

  function watch() {
    const queue: KvEntry[] = []
    let wake: (() => void) | undefined
    let stopped = false
    const push = (e: KvEntry): void => {
      queue.push(e)
      wake?.()
    }
    const initial = [...current.values()]
    initial.forEach((e, i) =>
      queue.push({ ...e, isUpdate: false, delta: initial.length - 1 - i } as unknown as KvEntry),
    )
    watchers.add(push)
    return {
      stop() {
        stopped = true
        watchers.delete(push)
        wake?.()
      },
      async *[Symbol.asyncIterator]() {
        while (!stopped) {
          const e = queue.shift()
          if (e !== undefined) yield e
          else await new Promise<void>((r) => (wake = r))
        }
      },
    }
  }

  const kv = {
    status: () =>
      down
        ? timeout()
        : Promise.resolve({ values: current.size, streamInfo: { state: { last_seq: revision } } }),
    watch: () => Promise.resolve(watch()),
    put: (key: string, value: Uint8Array) =>
      down ? timeout() : Promise.resolve(write(key, value)),
    update: (key: string, value: Uint8Array, expected: number) => {
      if (down) return timeout()
      if (current.get(key)?.revision !== expected)
        return Promise.reject(new Error('wrong last sequence'))
      return Promise.resolve(write(key, value))
    },
    delete: () => (down ? timeout() : Promise.resolve()),
  }
  return {
    kv: kv as unknown as KV,
    write,
    setDown: (d: boolean) => (down = d),
    setDelta: (d: number) => (delta = d),
  }
}

const settle = () => new Promise((r) => setImmediate(r))
const KEY = 'sluice._sys.windowing.w2.status'

describe('retained store leases', () => {
  /** A store over a fake bucket, a client's status leased for 3 s, and the test's clock. */
  async function setUp() {
    const clock = { t: 0 }
    const bucket = fakeBucket(() => clock.t)
    const wills: string[] = []
    const store = createRetainedStore({
      kv: bucket.kv,
      toTopic: (s) => s.replaceAll('.', '/'),
      deliver: () => undefined,
      publishWill: (subject) => wills.push(subject),
      now: () => clock.t,
      onError: () => undefined,
      stopped: () => false,
    })
    await store.start()
    const leased = { lease: 3000, will: Buffer.from('offline').toString('base64') }
    const renew = () => bucket.write(KEY, encodeRetained(Buffer.from('online'), leased))
    renew()
    await settle()
    /** Runs `expire` every 500 ms of the test's clock up to `until`. */
    const tick = async (until: number) => {
      while (clock.t < until) {
        clock.t += 500
        store.expire()
        await settle()
      }
    }
    return { bucket, wills, store, renew, tick }
  }

  it('gives every lease a full term after the bucket comes back, and expires one not renewed then', async () => {
    const { bucket, wills, store, renew, tick } = await setUp()
    // The bucket elects a leader for 4.5 s: nobody can renew, and nobody's lease runs out meanwhile.
    await tick(500)
    bucket.setDown(true)
    await tick(5000)
    bucket.setDown(false)
    // The client's renewals come 1.5 s after the bucket is back (they were waiting to be sent again):
    // within a lease of its return, so no will.
    await tick(6500)
    expect(wills).toEqual([])
    renew()
    await tick(9000)
    expect(wills).toEqual([])
    // Then it stops renewing (a crash): its will follows one lease after its last renewal.
    await tick(9500)
    expect(wills).toEqual([])
    await tick(11_000)
    expect(wills).toEqual([KEY])
    store.stop()
  })

  it('expires a lease while the watch keeps saying more values are to come', async () => {
    const { bucket, wills, store, renew, tick } = await setUp()
    // After a server died, every value comes, each with a count of what is still to come above zero.
    bucket.setDelta(1)
    for (let at = 500; at <= 3000; at += 500) {
      await tick(at)
      bucket.write('sluice._sys.windowing.w3.status', encodeRetained(Buffer.from('online')))
      if (at <= 1500) renew()
    }
    expect(wills).toEqual([])
    // The last renewal was at 1.5 s: its will by 2 s (the silence a catch-up may take) after the lease.
    await tick(6500)
    expect(wills).toEqual([KEY])
    store.stop()
  })
})
