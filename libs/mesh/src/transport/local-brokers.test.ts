import { Socket } from 'node:net'
import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { localStreamBuilder, registerLocalBroker } from './local-brokers.js'

describe('local brokers', () => {
  it('serves only a plain mqtt:// URL on a loopback host and a registered port', () => {
    const stream = new PassThrough()
    const unregister = registerLocalBroker(41883, () => stream)
    try {
      expect(localStreamBuilder('mqtt://127.0.0.1:41883')?.()).toBe(stream)
      expect(localStreamBuilder('mqtt://localhost:41883')?.()).toBe(stream)
      expect(localStreamBuilder('mqtt://user:pw@[::1]:41883')?.()).toBe(stream)
      expect(localStreamBuilder('mqtt://127.0.0.1:41884')).toBeUndefined()
      expect(localStreamBuilder('mqtts://127.0.0.1:41883')).toBeUndefined()
      expect(localStreamBuilder('ws://127.0.0.1:41883/mqtt')).toBeUndefined()
      expect(localStreamBuilder('mqtt://192.168.1.5:41883')).toBeUndefined()
      expect(localStreamBuilder('not a url')).toBeUndefined()
    } finally {
      unregister()
    }
    expect(localStreamBuilder('mqtt://127.0.0.1:41883')).toBeUndefined()
  })

  it('falls back to TCP while the broker is away, and back in memory once it is registered again', () => {
    const first = new PassThrough()
    const unregister = registerLocalBroker(41885, () => first)
    const build = localStreamBuilder('mqtt://127.0.0.1:41885')!
    unregister()
    const tcp = build()
    expect(tcp).toBeInstanceOf(Socket)
    tcp.on('error', () => undefined)
    tcp.destroy()
    const second = new PassThrough()
    const again = registerLocalBroker(41885, () => second)
    expect(build()).toBe(second)
    again()
  })

  it('an old registration does not remove a newer one on the same port', () => {
    const a = new PassThrough()
    const b = new PassThrough()
    const unregisterA = registerLocalBroker(41887, () => a)
    const unregisterB = registerLocalBroker(41887, () => b)
    unregisterA()
    expect(localStreamBuilder('mqtt://127.0.0.1:41887')?.()).toBe(b)
    unregisterB()
  })
})
