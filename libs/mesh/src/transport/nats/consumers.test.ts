import type { ConsumerMessages, JetStreamClient, JetStreamManager } from '@nats-io/jetstream'
import { describe, expect, it } from 'vitest'
import { createConsumerSet } from './consumers.js'

interface Created {
  readonly durable_name: string
  readonly filter_subject: string
  readonly opt_start_seq?: number
}

/** Messages that never come, until stopped. */
function noMessages(): ConsumerMessages {
  let stop: () => void = () => undefined
  const stopped = new Promise<void>((resolve) => (stop = resolve))
  return {
    stop,
    async *[Symbol.asyncIterator]() {
      await stopped
    },
  } as unknown as ConsumerMessages
}

/**
 * A JetStream whose stream grows between any two requests, whose consumers are always caught up, and whose
 * first create of a wildcard consumer is made but its answer lost (a timeout while a cluster elects a
 * leader); a create of an existing consumer with another start is refused, as JetStream refuses it.
 */
function fakeJetStream() {
  let lastSeq = 100
  const creates: Created[] = []
  const made = new Map<string, Created>()
  const jsm = {
    streams: { info: () => Promise.resolve({ state: { last_seq: (lastSeq += 10) } }) },
    consumers: {
      info: (_stream: string, name: string) =>
        Promise.resolve({
          name,
          num_pending: 0,
          num_ack_pending: 0,
          ack_floor: { stream_seq: lastSeq },
          delivered: { stream_seq: lastSeq },
        }),
      add: (_stream: string, config: Created) => {
        creates.push(config)
        const had = made.get(config.durable_name)
        if (had !== undefined && had.opt_start_seq !== config.opt_start_seq)
          return Promise.reject(new Error('start sequence can not be updated'))
        made.set(config.durable_name, config)
        if (had === undefined && config.filter_subject.includes('*'))
          return Promise.reject(new Error('timeout'))
        return Promise.resolve({ name: config.durable_name })
      },
      delete: () => Promise.resolve(true),
    },
  }
  const js = {
    consumers: { get: () => Promise.resolve({ consume: () => Promise.resolve(noMessages()) }) },
  }
  return {
    creates,
    js: js as unknown as JetStreamClient,
    jsm: jsm as unknown as JetStreamManager,
  }
}

describe('createConsumerSet', () => {
  it('asks again for the same consumer when a create that overlaps another timed out, and so gets it', async () => {
    const fake = fakeJetStream()
    const set = createConsumerSet({
      js: fake.js,
      jsm: fake.jsm,
      clientId: 'w1',
      durable: false,
      maxAckPending: 100,
      ackWaitMs: 1000,
      handler: () => () => undefined,
      toTopic: (subject) => subject,
      onError: (err) => {
        throw err
      },
    })
    await set.add('raw', 'sluice.d1.c1.raw')
    // Overlaps the running one: it starts at the stream's next sequence, found once for all attempts.
    await set.add('raw', 'sluice.*.*.raw')
    expect(set.has('sluice.*.*.raw')).toBe(true)
    const wildcard = fake.creates.filter((c) => c.filter_subject === 'sluice.*.*.raw')
    expect(wildcard).toHaveLength(2)
    expect(new Set(wildcard.map((c) => c.opt_start_seq)).size).toBe(1)
    await set.close(false)
  }, 10_000)
})
