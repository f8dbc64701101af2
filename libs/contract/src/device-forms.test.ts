import { describe, expect, it } from 'vitest'
import { decodeRawSamples, type DecodeResult } from './codec.js'
import {
  DEVICE_FORM_EXAMPLES,
  DeviceFormIds,
  decodeDeviceRaw,
  type DeviceSample,
} from './device-forms.js'

const at = 1_732_480_000_000

function ok<T>(r: DecodeResult<T>): T {
  if (!r.ok) throw new Error(r.error.message)
  return r.value
}
function err<T>(r: DecodeResult<T>): string {
  if (r.ok) throw new Error(`accepted ${JSON.stringify(r.value)}`)
  return r.error.message
}
const raw = (s: string, channel?: string) =>
  decodeRawSamples(s, { receivedAt: at, ...(channel === undefined ? {} : { channel }) })

describe('device forms on {p}/{device}/{channel}/raw', () => {
  it('takes a bare number as an unsequenced reading stamped on receipt', () => {
    expect(ok(raw('23.5'))).toEqual([{ seq: 0, t: at, value: 23.5, ingest: at, unsequenced: true }])
  })

  it('takes {"value"} with seq, t and ingest each optional', () => {
    expect(ok(raw('{"value":500}'))).toEqual([
      { seq: 0, t: at, value: 500, ingest: at, unsequenced: true },
    ])
    // The example: what mosquitto_pub users send, without an ingest.
    expect(ok(raw('{"seq":0,"t":1000,"value":500}'))).toEqual([
      { seq: 0, t: 1000, value: 500, ingest: at },
    ])
    expect(ok(raw('{"value":1,"ingest":5}'))).toEqual([
      { seq: 0, t: at, value: 1, ingest: 5, unsequenced: true },
    ])
  })

  it('still takes the full form and the batch unchanged, with no marks', () => {
    expect(ok(raw('{"seq":1,"t":2,"value":3,"ingest":4}'))).toEqual([
      { seq: 1, t: 2, value: 3, ingest: 4 },
    ])
    expect(ok(raw('{"seq":[1],"t":[2],"value":[3],"ingest":[4]}'))).toHaveLength(1)
  })

  it('rejects what is none of the forms, saying why', () => {
    expect(err(raw('{"value":"12"}'))).toContain('/value: expected a finite number')
    expect(err(raw('{"value":1,"seq":-1}'))).toContain('/seq')
    expect(err(raw('{"temp":1}'))).toContain('/seq: missing')
    expect(err(raw('true'))).toContain('expected a JSON object')
    expect(err(raw('1e999'))).toContain('finite')
  })

  it('reads a SenML pack: base time in seconds, relative times, base value; names must fit the topic', () => {
    const pack = JSON.stringify([
      { bn: 'urn:dev:mac:0024be:', bt: 1_732_480_000, bv: 10, n: 'temp', v: 11.5 },
      { n: 'temp', v: 1, t: 0.5 },
      { v: 2, t: -1_732_479_999 }, // bt + t = 1 s: relative to now (RFC 8428 §4.5.3)
    ])
    expect(ok(raw(pack, 'temp'))).toEqual([
      { seq: 0, t: 1_732_480_000_000, value: 21.5, ingest: at, unsequenced: true },
      { seq: 0, t: 1_732_480_000_500, value: 11, ingest: at, unsequenced: true },
      { seq: 0, t: at + 1000, value: 12, ingest: at, unsequenced: true },
    ])
    expect(err(raw(JSON.stringify([{ n: 'humidity', v: 1 }]), 'temp'))).toContain(
      'names channel "humidity", but the topic is channel temp',
    )
    expect(err(raw(JSON.stringify([{ n: 'temp', vs: 'on' }])))).toContain('has vs but no numeric v')
    expect(err(raw('[]'))).toContain('expected 1 to')
  })
})

describe('device forms on {p}/{device}/raw', () => {
  const dev = (s: string) => decodeDeviceRaw(s, { receivedAt: at })
  const channels = (r: DeviceSample[]) => r.map((s) => [s.channel, s.value])

  it('takes named numeric fields, one channel each, with shared optional stamps', () => {
    expect(channels(ok(dev('{"temperature":21.5,"humidity":40}')))).toEqual([
      ['temperature', 21.5],
      ['humidity', 40],
    ])
    const [s] = ok(dev('{"seq":7,"t":1000,"temp":1}'))
    expect(s).toEqual({ seq: 7, t: 1000, value: 1, ingest: at, channel: 'temp' })
  })

  it('takes a bare number or {"value"} as channel "value"', () => {
    expect(channels(ok(dev('3')))).toEqual([['value', 3]])
    expect(channels(ok(dev('{"value":4}')))).toEqual([['value', 4]])
  })

  it('takes a SenML pack, one channel per record name', () => {
    const r = ok(dev(JSON.stringify(DEVICE_FORM_EXAMPLES[DeviceFormIds.senml])))
    expect(channels(r)).toEqual([
      ['temp', 21.5],
      ['humidity', 40],
    ])
    expect(r[1]!.t).toBe(1_732_480_000_500)
    expect(err(dev(JSON.stringify([{ n: 'Temp C', v: 1 }])))).toContain('not an identifier')
  })

  it('rejects strings, nested objects, bad names and empty objects', () => {
    expect(err(dev('{"temp":"21"}'))).toContain('/temp: expected a finite number')
    expect(err(dev('{"ENERGY":{"Power":3}}'))).toContain('must be an identifier')
    expect(err(dev('{}'))).toContain('no reading')
    expect(err(dev('"x"'))).toContain('expected a number')
    expect(err(dev('{"temp":'))).toContain('not UTF-8 JSON')
  })
})
