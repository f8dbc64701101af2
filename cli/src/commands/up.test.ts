import { describe, expect, it } from 'vitest'
import { childV8Flags } from './up.js'

describe('childV8Flags', () => {
  it('caps the young generation of every --processes child', () => {
    expect(childV8Flags([], undefined)).toEqual(['--max-semi-space-size=1'])
    expect(childV8Flags(['--enable-source-maps'], '--no-warnings')).toEqual([
      '--max-semi-space-size=1',
    ])
  })

  it("leaves the user's own semi-space size alone, from the command line or NODE_OPTIONS", () => {
    expect(childV8Flags(['--max-semi-space-size=8'], undefined)).toEqual([])
    expect(childV8Flags([], '--max-semi-space-size=4 --no-warnings')).toEqual([])
  })
})
