import { describe, expect, it } from 'vitest'
import { createLineIntake } from './line-intake.js'

describe('createLineIntake', () => {
  it('passes samples and counts rejected lines by reason', () => {
    const intake = createLineIntake({
      channels: ['light', 'temp'],
      ranges: { light: { min: 0, max: 1023 } },
    })
    expect(intake.accept('1,450,21.5', 0)).toEqual({ kind: 'sample', seq: 1, values: [450, 21.5] })
    expect(intake.accept('2,2000,21.5', 1)).toMatchObject({ kind: 'rejected', reason: 'range' })
    expect(intake.accept('3,450', 2)).toMatchObject({ kind: 'rejected', reason: 'field-count' })
    expect(intake.accept('4,\u00ff\u00fe,1', 3)).toMatchObject({
      kind: 'rejected',
      reason: 'garbled',
    })
    expect(intake.accept('# sluice-fw 1.0 rate=10 channels=light,temp', 4)).toMatchObject({
      kind: 'info',
      info: { rateHz: 10 },
    })
    expect(intake.accept('OK R20', 5)).toEqual({ kind: 'ack', command: 'R20', hz: 20 })
    expect(intake.accept('', 6)).toMatchObject({ kind: 'rejected', reason: 'empty' })
    expect(intake.counters).toMatchObject({ lines: 7, samples: 1, info: 1, acks: 1, rejected: 4 })
    expect(intake.counters.rejectedBy).toMatchObject({
      range: 1,
      'field-count': 1,
      garbled: 1,
      empty: 1,
    })
  })

  it('attaches a mismatch report to the line that starts the episode and the one that ends it', () => {
    const intake = createLineIntake({ channels: ['v'] })
    const results = []
    for (let i = 0; i < 30; i++) results.push(intake.accept('\u00e4\u00f6\u00fc\u0085', i))
    const started = results.filter((r) => r.mismatch !== undefined)
    expect(started).toHaveLength(1)
    expect(started[0]!.mismatch).toMatchObject({ kind: 'suspected', cause: 'baud' })
    let recovered
    for (let i = 0; i < 30 && recovered === undefined; i++)
      recovered = intake.accept(`${i},5`, 100 + i).mismatch
    expect(recovered).toMatchObject({ kind: 'recovered', badLines: 30 })
  })

  it('counts a line dropped unread by the reader', () => {
    const intake = createLineIntake({ channels: ['v'] })
    expect(intake.rejectUnread('too-long', 'no newline in 1024 bytes', 0)).toMatchObject({
      kind: 'rejected',
      reason: 'too-long',
    })
    expect(intake.counters.rejectedBy['too-long']).toBe(1)
  })
})
