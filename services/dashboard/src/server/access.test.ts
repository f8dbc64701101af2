import type { IncomingMessage } from 'node:http'
import { describe, expect, it } from 'vitest'
import { accessPolicy, isAuthorised, isLoopback, isSameOrigin } from './access.js'

const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage
const basic = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`

describe('access', () => {
  it('treats 127.x, ::1 and localhost as loopback, and nothing else', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1', 'localhost'].every(isLoopback)).toBe(true)
    expect(['0.0.0.0', '192.168.1.5', '::', '127.0.0.1.evil'].some(isLoopback)).toBe(false)
  })

  it('refuses to serve beyond loopback without credentials unless anonymous access is explicit', () => {
    expect(() => accessPolicy({ host: '0.0.0.0', allowAnonymous: false })).toThrow(
      /beyond loopback/,
    )
    expect(accessPolicy({ host: '0.0.0.0', allowAnonymous: true })).toBeUndefined()
    expect(accessPolicy({ host: '127.0.0.1', allowAnonymous: false })).toBeUndefined()
    expect(
      accessPolicy({
        host: '0.0.0.0',
        user: 'ops',
        password: 'long-password',
        allowAnonymous: false,
      }),
    ).toEqual({ user: 'ops', password: 'long-password' })
    expect(() => accessPolicy({ host: '127.0.0.1', user: 'ops', allowAnonymous: false })).toThrow(
      /both/,
    )
  })

  it('accepts only the right Basic credentials when some are required', () => {
    const creds = { user: 'ops', password: 'long-password' }
    expect(isAuthorised(req({}), undefined)).toBe(true)
    expect(isAuthorised(req({}), creds)).toBe(false)
    expect(isAuthorised(req({ authorization: basic('ops:long-password') }), creds)).toBe(true)
    expect(isAuthorised(req({ authorization: basic('ops:wrong') }), creds)).toBe(false)
    expect(isAuthorised(req({ authorization: basic('opsx:long-password') }), creds)).toBe(false)
  })

  it('rejects a cross-site Origin', () => {
    expect(isSameOrigin(req({ host: '127.0.0.1:8080' }))).toBe(true)
    expect(isSameOrigin(req({ host: '127.0.0.1:8080', origin: 'http://127.0.0.1:8080' }))).toBe(
      true,
    )
    expect(isSameOrigin(req({ host: '127.0.0.1:8080', origin: 'http://evil.example' }))).toBe(false)
  })
})
