import { MESSAGE_EXAMPLES, encode, encodeText } from '@sluice/contract'
import { describe, expect, it } from 'vitest'
import { decodeForwardItem } from './select.js'

const topic = 'sluice/uno/light/window/c100'
const batch = MESSAGE_EXAMPLES['sluice.v1.window-batch']
const lone = MESSAGE_EXAMPLES['sluice.v1.window']

describe('decodeForwardItem on a window topic', () => {
  it('makes one item of a lone aggregate and one per aggregate of a batch, in order', () => {
    const one = decodeForwardItem('sluice', topic, encode(lone))
    expect(one.ok && one.value.map((i) => i.payload)).toEqual([lone])
    const many = decodeForwardItem('sluice', topic, encode(batch))
    expect(many.ok && many.value).toEqual(
      batch.map((agg) => ({
        kind: 'window',
        topic,
        device: 'uno',
        channel: 'light',
        window: 'c100',
        payload: agg,
      })),
    )
  })

  it('rejects a batch with one bad aggregate whole, naming it', () => {
    const bad = decodeForwardItem(
      'sluice',
      topic,
      new TextEncoder().encode(encodeText([lone, { ...lone, count: 0 }])),
    )
    expect(bad.ok).toBe(false)
    expect(!bad.ok && bad.error.message).toContain('/1/count')
  })
})
