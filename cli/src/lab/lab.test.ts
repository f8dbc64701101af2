import { describe, expect, it } from 'vitest'
import { flagOf, parseParams } from './experiment.js'
import { expectedResults } from './experiments/windows.js'
import { fixedLine } from './experiments/serial.js'
import { scoreEvents } from './experiments/thresholds.js'
import { formatTable, quantile, round, std } from './table.js'
import {
  overlapOf,
  serialLinesPerSecond,
  steadyDropRate,
  strideFor,
  timeToOverflow,
  workFactor,
} from './theory.js'
import { receiveAtBaud, showBytes } from './uart.js'

describe('lab theory', () => {
  it('gives 4× the results per sample at 75 % overlap and 10× at 90 %', () => {
    expect(strideFor(100, 0.75)).toBe(25)
    expect(workFactor(100, strideFor(100, 0.75))).toBe(4)
    expect(workFactor(50, strideFor(50, 0.9))).toBe(10)
    expect(overlapOf(20, 5)).toBe(0.75)
    // never a stride of 0, whatever the overlap
    expect(strideFor(10, 0.99)).toBe(1)
  })

  it('counts the results a count window emits', () => {
    expect(expectedResults(100, 10, 10)).toBe(10)
    expect(expectedResults(100, 10, 1)).toBe(91)
    expect(expectedResults(5, 10, 1)).toBe(0)
  })

  it('answers the 95-of-100 question: 2.5 s at 10 in and 8 out per second', () => {
    expect(timeToOverflow({ length: 95, capacity: 100, netRatePerSecond: 10 - 8 })).toBe(2.5)
  })

  it('sheds half of what arrives at twice the service rate, nothing below it', () => {
    expect(steadyDropRate(200, 100)).toBe(0.5)
    expect(steadyDropRate(90, 100)).toBe(0)
  })

  it('carries ~192 and ~2 300 five-byte lines per second at 9 600 and 115 200 baud', () => {
    expect(serialLinesPerSecond(9600, 5)).toBe(192)
    expect(serialLinesPerSecond(115200, 5)).toBe(2304)
  })
})

describe('uart', () => {
  it('reads what was sent when both ends agree on the baud rate', () => {
    const bytes = Buffer.from('17,450\n')
    expect(Buffer.from(receiveAtBaud(bytes, 9600, 9600)).toString()).toBe('17,450\n')
  })

  it('reads other bytes at the wrong baud rate', () => {
    const bytes = Buffer.from('1000,400,20.0\n1001,407,20.3\n')
    const seen = receiveAtBaud(bytes, 19200, 9600)
    expect(seen.length).toBe(bytes.length / 2)
    expect(Buffer.from(seen).toString()).not.toContain('1000')
    // a receiver 12× too fast sees each start bit as a run of zero bytes
    expect(receiveAtBaud(bytes, 9600, 115200).slice(0, 4)).toEqual(Uint8Array.from([0, 0, 0, 0]))
  })

  it('shows unprintable bytes escaped', () => {
    expect(showBytes(Uint8Array.from([0x41, 0x0a, 0xfc]))).toBe('A\\x0a\\xfc')
  })

  it('makes fixed-length lines the bridge can parse', () => {
    const line = fixedLine(5)
    expect(line(0)).toHaveLength(5)
    expect(line(1234)).toMatch(/^4,\d\d\n$/)
  })
})

describe('thresholds scoring', () => {
  it('counts an event near an injected anomaly as a detection, any other as a false alarm', () => {
    const injected = [
      { kind: 'spike' as const, at: 100, magnitude: 30 },
      { kind: 'shift' as const, at: 500, magnitude: 15 },
    ]
    expect(scoreEvents([102, 103, 650, 900], injected)).toEqual({ detected: 2, falseAlarms: 1 })
    expect(scoreEvents([], injected)).toEqual({ detected: 0, falseAlarms: 0 })
  })
})

describe('lab parameters and tables', () => {
  it('reads numbers, lists and words over the defaults, and lists every problem', () => {
    const d = { consumerRate: 100, sizes: [10, 20] as readonly number[], policies: 'block' }
    expect(flagOf('consumerRate')).toBe('--consumer-rate')
    expect(
      parseParams(d, ['--consumer-rate', '50', '--sizes=5,6', '--policies', 'sample']),
    ).toEqual({
      consumerRate: 50,
      sizes: [5, 6],
      policies: 'sample',
    })
    expect(() => parseParams(d, ['--consumer-rate', 'x', '--nope', '1'])).toThrow(
      /--consumer-rate must be a number[\s\S]*unknown option --nope/,
    )
  })

  it('aligns numbers right and words left under a rule', () => {
    const t = formatTable({
      columns: ['policy', 'drop'],
      rows: [
        ['block', 0],
        ['drop-oldest', 50],
      ],
    })
    expect(t.split('\n')).toEqual([
      'policy       drop',
      '-----------  ----',
      'block           0',
      'drop-oldest    50',
    ])
  })

  it('rounds to 3 significant digits and computes spread and quantiles', () => {
    expect(round(3.14159)).toBe(3.14)
    expect(round(12345)).toBe(12345)
    expect(std([1, 1, 1])).toBe(0)
    expect(quantile([5, 1, 3, 2, 4], 0.95)).toBe(5)
  })
})
