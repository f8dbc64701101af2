import { describe, expect, it } from 'vitest'
import { chooseWindow, sameNames } from './window-select.js'

describe('window dropdown', () => {
  it('rebuilds when a name changed, even if the count did not', () => {
    expect(sameNames(['c100', 't5s'], ['c100', 't5s'])).toBe(true)
    expect(sameNames(['c100', 't5s'], ['c100', 'w1m'])).toBe(false)
    expect(sameNames(['c100', 't5s'], ['t5s', 'c100'])).toBe(false)
    expect(sameNames(['c100'], ['c100', 't5s'])).toBe(false)
    expect(sameNames([], [])).toBe(true)
  })

  it('keeps the chosen window while it exists, else t5s, else the first', () => {
    expect(chooseWindow(['c100', 't5s'], 'c100')).toBe('c100')
    expect(chooseWindow(['c100', 't5s'], undefined)).toBe('t5s')
    expect(chooseWindow(['c100', 'w1m'], 't5s')).toBe('c100')
    expect(chooseWindow([], 't5s')).toBeUndefined()
  })
})
