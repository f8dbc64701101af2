import memoryPersistence from 'aedes-persistence'
import type { AedesPublishPacket } from 'aedes'
import { describe, expect, it, vi } from 'vitest'
import { boundSessionStore } from './bounded-session-store.js'

/** The methods of an Aedes persistence these tests call, after wrapping. */
interface Store {
  outgoingEnqueueCombi(subs: { clientId: string }[], packet: AedesPublishPacket): Promise<unknown>
  outgoingUpdate(client: { id: string }, packet: AedesPublishPacket): Promise<unknown>
  outgoingClearMessageId(client: { id: string }, packet: { messageId: number }): Promise<unknown>
}

function packet(counter: number): AedesPublishPacket {
  return {
    cmd: 'publish',
    topic: 'sluice/d1/t/raw',
    payload: Buffer.from(String(counter)),
    qos: 1,
    retain: false,
    dup: false,
    brokerId: 'b1',
    brokerCounter: counter,
  }
}

/** A real in-memory persistence, its original clear watched, wrapped with capacity 2. */
function setup(startsEmpty: boolean) {
  const persistence = (memoryPersistence as unknown as () => Store)()
  const original = persistence.outgoingClearMessageId.bind(persistence)
  const lookups = vi.fn(original)
  persistence.outgoingClearMessageId = lookups
  const sessions = boundSessionStore(persistence, 2, () => false, { startsEmpty })
  return { store: persistence, lookups, sessions }
}

/** Stores `counter` for client c and gives it message id `counter`, as Aedes does before writing it. */
async function storeFor(store: Store, counter: number): Promise<void> {
  await store.outgoingEnqueueCombi([{ clientId: 'c' }], packet(counter))
  await store.outgoingUpdate({ id: 'c' }, { ...packet(counter), messageId: counter })
}

describe('boundSessionStore', () => {
  it('stores at most its capacity per client and counts the messages it refuses', async () => {
    const { store, sessions } = setup(true)
    for (const n of [1, 2, 3]) await store.outgoingEnqueueCombi([{ clientId: 'c' }], packet(n))
    expect(sessions.counters()).toEqual([{ clientId: 'c', stored: 2, dropped: 1 }])
    expect(sessions.droppedTotal).toBe(1)
  })

  it('clears a stored message through the store, and then answers acknowledgements without it', async () => {
    const { store, lookups, sessions } = setup(true)
    // A clean session's PUBACK: nothing of the client's was ever stored, so the store is not asked.
    expect(await store.outgoingClearMessageId({ id: 'c' }, { messageId: 9 })).toBeUndefined()
    expect(lookups).not.toHaveBeenCalled()
    await storeFor(store, 1)
    const removed = (await store.outgoingClearMessageId({ id: 'c' }, { messageId: 1 })) as {
      brokerCounter: number
    }
    expect(removed.brokerCounter).toBe(1)
    expect(lookups).toHaveBeenCalledTimes(1)
    expect(sessions.counters()).toEqual([])
    expect(await store.outgoingClearMessageId({ id: 'c' }, { messageId: 1 })).toBeUndefined()
    expect(lookups).toHaveBeenCalledTimes(1)
  })

  it('asks a store that did not start empty every time: what it held before was never counted', async () => {
    const { store, lookups } = setup(false)
    expect(await store.outgoingClearMessageId({ id: 'c' }, { messageId: 9 })).toBeUndefined()
    expect(lookups).toHaveBeenCalledTimes(1)
  })
})
