import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { InvalidIdentifierError, SluiceError } from './errors.js'
import { IDENTIFIER_MAX_LENGTH } from './payloads/common.js'
import {
  allFilter,
  anomalyFilter,
  anomalyTopic,
  assertPrefix,
  metricsFilter,
  metricsTopic,
  parseSensorKey,
  isIdentifier,
  toIdentifier,
  parseTopic,
  rateFilter,
  rateTopic,
  rawFilter,
  rawTopic,
  deviceRawTopic,
  deviceRawFilter,
  sensorKey,
  statusFilter,
  statusTopic,
  sysFilter,
  topicMatches,
  createTopicMatcher,
  windowFilter,
  windowTopic,
} from './topics.js'

const identifier = fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,11}$/)
const prefix = fc
  .array(identifier, { minLength: 1, maxLength: 3 })
  .map((levels) => levels.join('/'))

describe('topic builders and parseTopic', () => {
  it('builds the topics of DESIGN.md §3', () => {
    expect(rawTopic('sluice', 'arduino-1', 'light')).toBe('sluice/arduino-1/light/raw')
    expect(windowTopic('sluice', 'arduino-1', 'light', 'w5s')).toBe(
      'sluice/arduino-1/light/window/w5s',
    )
    expect(anomalyTopic('sluice', 'arduino-1', 'light')).toBe('sluice/arduino-1/light/anomaly')
    expect(rateTopic('sluice', 'arduino-1')).toBe('sluice/arduino-1/_ctl/rate')
    expect(statusTopic('sluice', 'windowing', 'w1')).toBe('sluice/_sys/windowing/w1/status')
    expect(metricsTopic('sluice', 'windowing', 'w1')).toBe('sluice/_sys/windowing/w1/metrics')
  })

  it('parses every built topic back into its parts, for any identifiers and prefix', () => {
    fc.assert(
      fc.property(prefix, identifier, identifier, identifier, (p, a, b, c) => {
        expect(parseTopic(p, rawTopic(p, a, b))).toEqual({ kind: 'raw', device: a, channel: b })
        expect(parseTopic(p, windowTopic(p, a, b, c))).toEqual({
          kind: 'window',
          device: a,
          channel: b,
          name: c,
        })
        expect(parseTopic(p, anomalyTopic(p, a, b))).toEqual({
          kind: 'anomaly',
          device: a,
          channel: b,
        })
        expect(parseTopic(p, rateTopic(p, a))).toEqual({ kind: 'rate', device: a })
        expect(parseTopic(p, statusTopic(p, a, b))).toEqual({
          kind: 'status',
          service: a,
          instance: b,
        })
        expect(parseTopic(p, metricsTopic(p, a, b))).toEqual({
          kind: 'metrics',
          service: a,
          instance: b,
        })
      }),
    )
  })

  it('returns null for topics that are not ours', () => {
    for (const topic of [
      'other/a/b/raw',
      'sluicex/a/b/raw',
      'sluice',
      'sluice/',
      'sluice/a/b',
      'sluice/a/b/raw/extra',
      'sluice/a/b/window',
      'sluice/a/b/window/W5',
      'sluice/a/b/unknown',
      'sluice/A/b/raw',
      'sluice/_x/b/raw',
      'sluice/a/_ctl/speed',
      'sluice/a/_ctl/rate/x',
      'sluice/_sys/svc/inst/other',
      'sluice/_sys/svc/status',
      'sluice/_sys/svc/inst/status/x',
      'sluice/+/b/raw',
    ]) {
      expect(parseTopic('sluice', topic), topic).toBeNull()
    }
  })

  it('never throws and never returns a wrong kind for arbitrary topic strings', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('a', '1', '_', '-', '/', '+', 'A', 'raw/') }),
        (s) => {
          const parsed = parseTopic('sluice', `sluice/${s}`)
          if (parsed === null) return
          // Whatever parses must rebuild to the very same topic.
          const rebuilt =
            parsed.kind === 'raw'
              ? rawTopic('sluice', parsed.device, parsed.channel)
              : parsed.kind === 'window'
                ? windowTopic('sluice', parsed.device, parsed.channel, parsed.name)
                : parsed.kind === 'anomaly'
                  ? anomalyTopic('sluice', parsed.device, parsed.channel)
                  : parsed.kind === 'rate'
                    ? rateTopic('sluice', parsed.device)
                    : parsed.kind === 'device-raw'
                      ? deviceRawTopic('sluice', parsed.device)
                      : parsed.kind === 'status'
                        ? statusTopic('sluice', parsed.service, parsed.instance)
                        : metricsTopic('sluice', parsed.service, parsed.instance)
          expect(rebuilt).toBe(`sluice/${s}`)
        },
      ),
    )
  })
})

describe('identifier validation', () => {
  it.each([
    ['', 'it is empty'],
    ['Arduino', 'upper-case'],
    ['a/b', '"/"'],
    ['a+', 'wildcard'],
    ['#', 'wildcard'],
    ['_sys', 'reserved for _sys and _ctl'],
    ['-x', 'outside'],
    ['a b', 'outside'],
  ])('rejects device %j with a message that says why', (device, why) => {
    let caught: unknown
    try {
      rawTopic('sluice', device, 'light')
    } catch (err) {
      caught = err
    }
    expect(caught).toBeInstanceOf(InvalidIdentifierError)
    expect(caught).toBeInstanceOf(SluiceError)
    const err = caught as InvalidIdentifierError
    expect(err.code).toBe('SLUICE_ERR_CONTRACT_INVALID_IDENTIFIER')
    expect(err.name).toBe('InvalidIdentifierError')
    expect(err.field).toBe('device')
    expect(err.message).toContain(`Invalid device ${JSON.stringify(device)}`)
    expect(err.message).toContain(why)
  })

  it('rejects identifiers longer than 128 characters, in builders and in parsed topics', () => {
    // Issue 11, item 10: a 60 000-character device was taken in and its results silently discarded.
    expect(isIdentifier('a'.repeat(IDENTIFIER_MAX_LENGTH))).toBe(true)
    expect(isIdentifier('a'.repeat(IDENTIFIER_MAX_LENGTH + 1))).toBe(false)
    const long = 'd'.repeat(60_000)
    expect(() => rawTopic('sluice', long, 'x')).toThrow(/60000 characters, more than 128/)
    expect(parseTopic('sluice', `sluice/${long}/x/raw`)).toBeNull()
    for (const bad of ['DEV!', 'dév', ''])
      expect(parseTopic('sluice', `sluice/${bad}/x/raw`)).toBeNull()
  })

  it('names the bad segment for every builder', () => {
    expect(() => windowTopic('sluice', 'a', 'b', 'W5')).toThrow(/Invalid window name "W5"/)
    expect(() => statusTopic('sluice', 'svc', '')).toThrow(/Invalid instance ""/)
    expect(() => metricsTopic('sluice', 'Svc', 'i')).toThrow(/Invalid service "Svc"/)
    expect(() => rawTopic('Sluice', 'a', 'b')).toThrow(/Invalid prefix level "Sluice"/)
    expect(() => rawTopic('sluice/', 'a', 'b')).toThrow(/Invalid prefix level ""/)
    expect(() => rawTopic('sluice', 'a', 'b/c')).toThrow(/Invalid channel "b\/c"/)
  })

  it('rejects a non-string at runtime (values from untyped config)', () => {
    expect(() => rawTopic('sluice', 42 as unknown as string, 'b')).toThrow(/it is not a string/)
  })

  it('accepts multi-level prefixes whose levels are identifiers', () => {
    expect(assertPrefix('site-1/sluice')).toBe('site-1/sluice')
    expect(rawTopic('site-1/sluice', 'a', 'b')).toBe('site-1/sluice/a/b/raw')
  })
})

describe('subscription filters', () => {
  it('uses + for omitted segments and validates the given ones', () => {
    expect(rawFilter('sluice')).toBe('sluice/+/+/raw')
    expect(rawFilter('sluice', 'a')).toBe('sluice/a/+/raw')
    expect(rawFilter('sluice', '+', 'light')).toBe('sluice/+/light/raw')
    expect(windowFilter('sluice')).toBe('sluice/+/+/window/+')
    expect(windowFilter('sluice', 'a', 'b', 'w5s')).toBe('sluice/a/b/window/w5s')
    expect(anomalyFilter('sluice')).toBe('sluice/+/+/anomaly')
    expect(rateFilter('sluice')).toBe('sluice/+/_ctl/rate')
    expect(rateFilter('sluice', 'a')).toBe('sluice/a/_ctl/rate')
    expect(statusFilter('sluice')).toBe('sluice/_sys/+/+/status')
    expect(metricsFilter('sluice', 'windowing')).toBe('sluice/_sys/windowing/+/metrics')
    expect(sysFilter('sluice')).toBe('sluice/_sys/#')
    expect(sysFilter('sluice', 'windowing', 'w1')).toBe('sluice/_sys/windowing/w1/#')
    expect(sysFilter('sluice', 'windowing')).toBe('sluice/_sys/windowing/+/#')
    expect(allFilter('sluice')).toBe('sluice/#')
    expect(() => rawFilter('sluice', '#')).toThrow(InvalidIdentifierError)
  })
})

describe('sensor keys', () => {
  it('round-trips device and channel', () => {
    fc.assert(
      fc.property(identifier, identifier, (device, channel) => {
        expect(parseSensorKey(sensorKey(device, channel))).toEqual({ device, channel })
      }),
    )
  })

  it('rejects keys that are not device/channel', () => {
    expect(parseSensorKey('nope')).toBeNull()
    expect(parseSensorKey('a/b/c')).toBeNull()
    expect(parseSensorKey('A/b')).toBeNull()
    expect(() => sensorKey('a', '_ctl')).toThrow(InvalidIdentifierError)
  })
})

describe('device-level raw topic', () => {
  it('builds, filters and parses {p}/{device}/raw', () => {
    expect(deviceRawTopic('sluice', 'esp32-1')).toBe('sluice/esp32-1/raw')
    expect(deviceRawFilter('sluice')).toBe('sluice/+/raw')
    expect(parseTopic('sluice', 'sluice/esp32-1/raw')).toEqual({
      kind: 'device-raw',
      device: 'esp32-1',
    })
    expect(parseTopic('sluice', 'sluice/_sys/raw')).toBeNull()
    expect(parseTopic('sluice', 'sluice/esp32-1/light/raw')?.kind).toBe('raw')
  })
})

describe('topicMatches', () => {
  it('matches + as exactly one level and # as the rest, parent level included [MQTT-4.7.1]', () => {
    expect(topicMatches('sluice/+/+/raw', 'sluice/d/c/raw')).toBe(true)
    expect(topicMatches('sluice/+/+/raw', 'sluice/d/c/window/w')).toBe(false)
    expect(topicMatches('a/+/c', 'a/b/x/c')).toBe(false)
    expect(topicMatches('sluice/#', 'sluice/d/c/raw')).toBe(true)
    expect(topicMatches('sluice/#', 'sluice')).toBe(true)
    expect(topicMatches('sluice/d/c/raw', 'sluice/d/c/raw')).toBe(true)
    expect(topicMatches('sluice/d/c', 'sluice/d/c/raw')).toBe(false)
    expect(topicMatches('a/b/c', 'a/b')).toBe(false)
  })

  it('does not match $ topics with a leading wildcard [MQTT-4.7.2-1], and strips $share', () => {
    expect(topicMatches('#', '$SYS/broker')).toBe(false)
    expect(topicMatches('+/broker', '$SYS/broker')).toBe(false)
    expect(topicMatches('$SYS/#', '$SYS/broker')).toBe(true)
    expect(topicMatches('$share/g/sluice/+/+/raw', 'sluice/d/c/raw')).toBe(true)
  })

  it('matches what the builders build against the filters the builders build', () => {
    expect(topicMatches(rawFilter('sluice'), rawTopic('sluice', 'd', 'c'))).toBe(true)
    expect(
      topicMatches(sysFilter('sluice', 'anomaly', 'a1'), metricsTopic('sluice', 'anomaly', 'a1')),
    ).toBe(true)
    expect(
      topicMatches(sysFilter('sluice', 'anomaly', 'a1'), statusTopic('sluice', 'anomaly', 'a2')),
    ).toBe(false)
  })
})

describe('createTopicMatcher', () => {
  it('answers as topicMatches over any of its filters, asked once or again', () => {
    const level = fc.constantFrom('a', 'b', '+', '#', '$s')
    const path = fc.array(level, { minLength: 1, maxLength: 4 }).map((l) => l.join('/'))
    const topic = fc
      .array(fc.constantFrom('a', 'b', '$s'), { minLength: 1, maxLength: 4 })
      .map((l) => l.join('/'))
    fc.assert(
      fc.property(
        fc.array(path, { maxLength: 3 }),
        fc.array(topic, { maxLength: 20 }),
        (fs, ts) => {
          const mine = createTopicMatcher(fs)
          for (const t of [...ts, ...ts]) expect(mine(t)).toBe(fs.some((f) => topicMatches(f, t)))
        },
      ),
    )
  })

  it('keeps answering rightly past the topics it remembers', () => {
    const mine = createTopicMatcher(['x/+/raw'])
    for (let i = 0; i < 10_050; i++) expect(mine(`x/${String(i)}/raw`)).toBe(true)
    expect(mine('x/1/window')).toBe(false)
    expect(mine('x/10049/raw')).toBe(true)
  })
})

describe('toIdentifier', () => {
  it('makes any name a valid identifier, or empty when nothing is left', () => {
    expect(toIdentifier('Volume Flow RateRMS')).toBe('volume-flow-raterms')
    expect(toIdentifier('_Temp (°C)')).toBe('temp-c')
    expect(toIdentifier('%')).toBe('')
    fc.assert(
      fc.property(fc.string(), (s) => {
        const id = toIdentifier(s)
        expect(id === '' || isIdentifier(id)).toBe(true)
      }),
    )
  })
})
