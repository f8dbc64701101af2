import { describe, expect, it } from 'vitest'
import { isNatsUrl, natsConnectionOptions } from './connection.js'

describe('NATS connection options from --broker', () => {
  it('recognises NATS URLs, one seed or several', () => {
    expect(isNatsUrl('nats://127.0.0.1:4222')).toBe(true)
    expect(isNatsUrl('tls://a:4222,tls://b:4222')).toBe(true)
    expect(isNatsUrl('mqtt://127.0.0.1:1883')).toBe(false)
  })

  it('takes every seed, and credentials or a token out of the URL', () => {
    const o = natsConnectionOptions('nats://u:p%40ss@a:4223, nats://b', {}, 'c1')
    expect(o.servers).toEqual(['a:4223', 'b:4222'])
    expect(o).toMatchObject({ user: 'u', pass: 'p@ss', name: 'c1' })
    expect(natsConnectionOptions('nats://s3cret@a:4222', {}, 'c1').token).toBe('s3cret')
  })

  it('prefers the flags to the URL, and turns TLS on for tls:// or a CA', () => {
    const o = natsConnectionOptions('nats://u:p@a:4222', { username: 'x', password: 'y' }, 'c')
    expect(o).toMatchObject({ user: 'x', pass: 'y' })
    expect(o.tls).toBeUndefined()
    expect(natsConnectionOptions('tls://a:4222', {}, 'c').tls).toEqual({})
  })
})
