import { describe, expect, it } from 'vitest'
import type { BridgeSource, RateOutcome } from '../sources/source.js'
import { createRateHandler, decodeRateRequest, rateHopSpec } from './rate.js'

const enc = (s: string) => new TextEncoder().encode(s)

describe('decodeRateRequest', () => {
  it('takes the device from the topic and the rate from the payload', () => {
    expect(decodeRateRequest('sluice', 'sluice/bench/_ctl/rate', enc('{"hz":20}'))).toEqual({
      ok: true,
      value: [{ device: 'bench', hz: 20 }],
    })
  })

  it('rejects bad payloads and foreign topics', () => {
    expect(decodeRateRequest('sluice', 'sluice/bench/_ctl/rate', enc('{"hz":0}')).ok).toBe(false)
    expect(decodeRateRequest('sluice', 'sluice/bench/_ctl/rate', enc('20')).ok).toBe(false)
    expect(decodeRateRequest('sluice', 'sluice/bench/light/raw', enc('{"hz":20}')).ok).toBe(false)
  })
})

describe('createRateHandler', () => {
  it('applies only the newest of several queued commands, and logs the outcome', () => {
    const calls: [string, number][] = []
    const infos: string[] = []
    const source: BridgeSource = {
      channels: [],
      start: () => Promise.resolve(),
      stop: () => Promise.resolve(),
      setRate: (d, hz): RateOutcome => {
        calls.push([d, hz])
        return 'pending'
      },
    }
    const noop = () => undefined
    const handle = createRateHandler(source, {
      info: (_o: unknown, m?: string) => infos.push(m ?? ''),
      warn: noop,
      error: noop,
      debug: noop,
    })
    handle('bench', [
      { device: 'bench', hz: 5 },
      { device: 'bench', hz: 50 },
    ])
    expect(calls).toEqual([['bench', 50]])
    expect(infos).toEqual(['bench is not connected: R50 will be sent when it is back'])
  })
})

describe('rateHopSpec', () => {
  it('subscribes per device, or with a wildcard for many devices', () => {
    expect(rateHopSpec('sluice', ['a', 'b'], () => undefined).filters).toEqual([
      'sluice/a/_ctl/rate',
      'sluice/b/_ctl/rate',
    ])
    const many = Array.from({ length: 20 }, (_, i) => `d${i}`)
    expect(rateHopSpec('sluice', many, () => undefined).filters).toEqual(['sluice/+/_ctl/rate'])
  })
})
