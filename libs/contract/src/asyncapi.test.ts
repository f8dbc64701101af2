import { describe, expect, it } from 'vitest'
import { ASYNCAPI_CHANNELS, MESSAGE_EXAMPLES, createAsyncApiDocument } from './asyncapi.js'
import { decodeMessage, decodeRawSamples, encode } from './codec.js'
import { DEVICE_FORM_EXAMPLES, DeviceFormIds, decodeDeviceRaw } from './device-forms.js'
import { MessageIds, type MessageId } from './message-ids.js'
import { parseTopic } from './topics.js'

const fill: Record<string, string> = {
  prefix: 'sluice',
  device: 'dev-1',
  channel: 'light',
  to: 'w2',
  chunk: '0',
  name: 'w5s',
  service: 'windowing',
  instance: 'w1',
}

describe('AsyncAPI document', () => {
  it('has one channel per topic kind whose address parses back to that kind', () => {
    const kinds = ASYNCAPI_CHANNELS.map((ch) => {
      const topic = ch.address.replace(/\{([a-z]+)\}/g, (_, p: string) => fill[p]!)
      const parsed = parseTopic('sluice', topic)
      expect(parsed, topic).not.toBeNull()
      expect(parsed!.kind).toBe(ch.key)
      return parsed!.kind
    })
    expect(new Set(kinds)).toEqual(
      new Set([
        'raw',
        'device-raw',
        'window',
        'anomaly',
        'rate',
        'status',
        'metrics',
        'sensors',
        'handover',
        'progress',
      ]),
    )
  })

  it('lists every message id, each with a schema and an example that decodes', () => {
    const doc = createAsyncApiDocument() as {
      components: { messages: Record<string, unknown>; schemas: Record<string, { $id: string }> }
    }
    for (const id of Object.values(MessageIds) as MessageId[]) {
      expect(doc.components.messages[id]).toBeDefined()
      expect(doc.components.schemas[id]!.$id).toBe(id)
      expect(decodeMessage(id, encode(MESSAGE_EXAMPLES[id])).ok, id).toBe(true)
    }
  })

  it('lists every device form, each with a schema and an example the device-topic decoder accepts', () => {
    const doc = createAsyncApiDocument() as {
      components: {
        messages: Record<string, { payload: unknown }>
        schemas: Record<string, { $id: string }>
      }
    }
    for (const id of Object.values(DeviceFormIds)) {
      expect(doc.components.schemas[id]!.$id).toBe(id)
      expect(decodeDeviceRaw(JSON.stringify(DEVICE_FORM_EXAMPLES[id])).ok, id).toBe(true)
    }
    expect(decodeRawSamples(JSON.stringify(DEVICE_FORM_EXAMPLES[DeviceFormIds.value])).ok).toBe(
      true,
    )
  })

  it('contains only JSON (no TypeBox symbols or undefined values)', () => {
    const doc = createAsyncApiDocument()
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc)
  })
})
