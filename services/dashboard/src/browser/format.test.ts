import { describe, expect, it } from 'vitest'
import { formatClock, formatMs, formatRate, formatValue } from './format.js'

describe('format', () => {
  it('shortens rates with suffixes and shows a dash for missing numbers', () => {
    expect(formatRate(1234)).toBe('1.23k')
    expect(formatRate(2_500_000)).toBe('2.50M')
    expect(formatRate(9.87654)).toBe('9.88')
    expect(formatRate(0)).toBe('0')
    expect(formatRate(undefined)).toBe('–')
    expect(formatRate(Number.NaN)).toBe('–')
  })
  it('formats values and milliseconds', () => {
    expect(formatValue(450.123456)).toBe('450.1')
    expect(formatValue(12345.6)).toBe('12346')
    expect(formatMs(3.21)).toBe('3.2 ms')
    expect(formatMs(42.4)).toBe('42 ms')
  })
  it('writes a time of day as HH:MM:SS, local, without the date', () => {
    expect(formatClock(new Date(2026, 11, 5, 3, 4, 5, 678).getTime())).toBe('03:04:05')
    expect(formatClock(new Date(2026, 11, 31, 23, 59, 59).getTime())).toBe('23:59:59')
    expect(formatClock(Number.NaN)).toBe('–')
  })
})
