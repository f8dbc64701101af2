import { describe, expect, it } from 'vitest'
import type { AckOutcome, TransportMessage } from '../transport/transport.js'
import { createMessageRouter, type RoutedHop } from './message-router.js'

/** A hop that matches topics starting with `prefix` and keeps what it was handed. */
function fakeHop(prefix: string) {
  const taken: { ack: (o?: AckOutcome) => void; readOn: (() => void) | undefined }[] = []
  const hop: RoutedHop = {
    matches: (topic) => topic.startsWith(prefix),
    accept: (_m, ack, readOn) => void taken.push({ ack, readOn }),
  }
  return { hop, taken }
}

const message = (topic: string): TransportMessage =>
  ({ topic, payload: new Uint8Array(), qos: 1 }) as TransportMessage

describe('message router', () => {
  it('acknowledges at once a message no hop wants', () => {
    const acks: (AckOutcome | undefined)[] = []
    createMessageRouter(() => [fakeHop('a/').hop])(message('b/x'), (o) => acks.push(o))
    expect(acks).toEqual([undefined])
  })

  it('hands a message one hop wants to that hop, with its own callbacks', () => {
    const a = fakeHop('a/')
    const ack = (): void => undefined
    const readOn = (): void => undefined
    createMessageRouter(() => [a.hop])(message('a/x'), ack, readOn)
    expect(a.taken).toEqual([{ ack, readOn }])
  })

  it('acknowledges a message several hops want once all took it, and reads on once all read on', () => {
    const a = fakeHop('a/')
    const b = fakeHop('a/x')
    const acks: (AckOutcome | undefined)[] = []
    let reads = 0
    createMessageRouter(() => [a.hop, b.hop])(
      message('a/x'),
      (o) => acks.push(o),
      () => reads++,
    )
    a.taken[0]!.readOn!()
    a.taken[0]!.ack('taken')
    expect([acks, reads]).toEqual([[], 0])
    b.taken[0]!.readOn!()
    expect(reads).toBe(1)
    b.taken[0]!.ack('taken')
    expect([acks, reads]).toEqual([['taken'], 1])
  })

  it('leaves a message at the broker if any of the hops leaves it', () => {
    const a = fakeHop('a/')
    const b = fakeHop('a/')
    const acks: (AckOutcome | undefined)[] = []
    createMessageRouter(() => [a.hop, b.hop])(message('a/x'), (o) => acks.push(o))
    a.taken[0]!.ack('leave')
    b.taken[0]!.ack()
    expect(acks).toEqual(['leave'])
  })
})
