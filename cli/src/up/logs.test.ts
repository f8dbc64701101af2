import { describe, expect, it } from 'vitest'
import { formatLogLine, LogTail, saysStarted } from './logs.js'

describe('up logs', () => {
  it('turns a pino line into a short line with its extra fields', () => {
    const line = JSON.stringify({
      level: 40,
      time: Date.UTC(2026, 0, 1, 12, 0, 1),
      svc: 'x',
      msg: 'slow',
      hop: 'raw',
    })
    expect(formatLogLine('windowing', line)).toBe('12:00:01 windowing     WARN  slow hop=raw')
  })

  it('passes other lines through and keeps only the last lines', () => {
    expect(formatLogLine('broker', 'plain text')).toBe('broker        plain text')
    const t = new LogTail(2)
    for (const l of ['a', 'b', 'c']) t.push(l)
    expect(t.lines).toEqual(['b', 'c'])
  })

  it('recognises the line a service logs once it has subscribed', () => {
    expect(saysStarted(JSON.stringify({ level: 30, msg: 'service started', broker: 'x' }))).toBe(
      true,
    )
    expect(saysStarted(JSON.stringify({ level: 30, msg: 'shutting down' }))).toBe(false)
    expect(saysStarted('service started')).toBe(false)
    expect(saysStarted('{"msg":')).toBe(false)
  })
})
