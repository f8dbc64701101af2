import { describe, expect, it } from 'vitest'
import { rawFilter, rawTopic, windowTopic } from './topics.js'
import {
  dataStreams,
  retainedBucket,
  streamOf,
  subjectToTopic,
  subjectWithin,
  subjectsOverlap,
  topicToSubject,
} from './subjects.js'

describe('topics as NATS subjects', () => {
  it('maps levels and wildcards one-to-one, both ways', () => {
    expect(topicToSubject(rawTopic('sluice', 'dev1', 'temp'))).toBe('sluice.dev1.temp.raw')
    expect(topicToSubject(rawFilter('site-1/sluice'))).toBe('site-1.sluice.*.*.raw')
    expect(topicToSubject('sluice/#')).toBe('sluice.>')
    for (const t of ['sluice/dev1/temp/raw', 'sluice/+/+/window/+', 'sluice/_sys/#'])
      expect(subjectToTopic(topicToSubject(t))).toBe(t)
  })

  it('refuses a topic with no subject (an empty level, or NATS tokens in a level)', () => {
    for (const t of ['sluice//raw', 'a.b/c', 'sluice/*/raw', '/sluice'])
      expect(() => topicToSubject(t)).toThrow(RangeError)
  })

  it('knows which stream holds a filter, and that wider filters are held by none', () => {
    const streams = dataStreams('sluice')
    expect(streams.map((s) => s.name)).toEqual(['SLUICE_RAW', 'SLUICE_WINDOW', 'SLUICE_ANOMALY'])
    expect(streamOf(streams, 'sluice.*.*.raw')?.kind).toBe('raw')
    expect(streamOf(streams, 'sluice.dev1.raw')?.kind).toBe('raw')
    expect(streamOf(streams, topicToSubject(windowTopic('sluice', 'd', 'c', 'w5s')))?.kind).toBe(
      'window',
    )
    expect(streamOf(streams, 'sluice.>')).toBeUndefined()
    expect(streamOf(streams, 'sluice._sys.windowing.w1.status')).toBeUndefined()
    expect(subjectWithin('a.*.c', 'a.>')).toBe(true)
    expect(subjectWithin('a.>', 'a.*')).toBe(false)
    expect(subjectWithin('a.b', 'a.b.c')).toBe(false)
  })

  it('knows when two filters can match the same subject', () => {
    expect(subjectsOverlap('sluice.d0.c0.raw', 'sluice.*.*.raw')).toBe(true)
    expect(subjectsOverlap('sluice.*.*.raw', 'sluice.d0.c0.raw')).toBe(true)
    expect(subjectsOverlap('a.*.x', 'a.y.*')).toBe(true)
    expect(subjectsOverlap('a.b', 'a.>')).toBe(true)
    expect(subjectsOverlap('sluice.d0.raw', 'sluice.*.*.raw')).toBe(false)
    expect(subjectsOverlap('sluice.d0.c0.raw', 'sluice.d1.*.raw')).toBe(false)
    expect(subjectsOverlap('a.b.c', 'a.b')).toBe(false)
  })

  it('overlaps exactly when a filter is within the other, for filters without mid-level wildcards', () => {
    const literal = ['s.d0.c0.raw', 's.d1.c0.raw', 's.d0.raw']
    const wild = ['s.*.*.raw', 's.*.raw', 's.>', 's.d0.>']
    for (const a of literal)
      for (const b of wild)
        expect(subjectsOverlap(a, b), `${a} ~ ${b}`).toBe(subjectWithin(a, b))
  })

  it('names the streams and the retained bucket of a multi-level prefix', () => {
    expect(dataStreams('site-1/sluice')[0]!.subjects).toEqual([
      'site-1.sluice.*.*.raw',
      'site-1.sluice.*.raw',
    ])
    expect(retainedBucket('site-1/sluice')).toBe('SITE-1_SLUICE_RETAINED')
  })
})
