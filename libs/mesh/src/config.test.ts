import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Type } from '@sinclair/typebox'
import { afterAll, describe, expect, it } from 'vitest'
import { loadConfig, loadOptions } from './config.js'
import { MeshConfigError, MeshConfigFileError } from './errors.js'

const schema = Type.Object({
  windowMs: Type.Integer({ default: 5000, minimum: 1 }),
  verbose: Type.Boolean({ default: false }),
})

const dir = mkdtempSync(join(tmpdir(), 'sluice-config-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function file(name: string, text: string): string {
  const p = join(dir, name)
  writeFileSync(p, text)
  return p
}

describe('loadConfig', () => {
  it('fills every default from the schemas', () => {
    const c = loadConfig({ schema, service: 'windowing' })
    expect(c).toMatchObject({
      broker: 'mqtt://127.0.0.1:1883',
      prefix: 'sluice',
      group: 'windowing',
      session: 'clean',
      logLevel: 'info',
      metricsIntervalMs: 1000,
      hops: {},
      windowMs: 5000,
      verbose: false,
    })
    expect(c.instance).toMatch(new RegExp(`-${process.pid}$`))
  })

  it('takes the file, then env, then flags, each over the one before', () => {
    const f = file(
      'prec.yaml',
      'broker: mqtt://file:1883\nprefix: fromfile\nwindowMs: 1\nhops:\n  raw:\n    qos: 1\n    queue: { capacity: 10, policy: drop-newest }\n',
    )
    const c = loadConfig({
      schema,
      service: 'w',
      argv: ['--config', f, '--windowMs=3', '--hops.raw.queue.capacity', '5000', '--verbose'],
      env: {
        SLUICE_PREFIX: 'fromenv',
        SLUICE_WINDOW_MS: '2',
        SLUICE_METRICS_INTERVAL_MS: '250',
        SLUICE_HOPS__RAW__QUEUE__POLICY: 'block',
        SLUICE_REQUIRE_EXTERNAL: '1',
      },
    })
    expect(c.broker).toBe('mqtt://file:1883')
    expect(c.prefix).toBe('fromenv')
    expect(c.windowMs).toBe(3)
    expect(c.metricsIntervalMs).toBe(250)
    expect(c.verbose).toBe(true)
    expect(c.hops.raw).toEqual({ qos: 1, queue: { capacity: 5000, policy: 'block' } })
  })

  it('maps env record keys with _ to hop names with -', () => {
    const c = loadConfig({ schema, service: 'w', env: { SLUICE_HOPS__RAW_IN__QOS: '2' } })
    expect(c.hops['raw-in']).toEqual({ qos: 2 })
  })

  it('is deep-frozen', () => {
    const c = loadConfig({ schema, service: 'w', argv: ['--hops.raw.qos', '1'] })
    expect(Object.isFrozen(c)).toBe(true)
    expect(Object.isFrozen(c.hops.raw)).toBe(true)
  })

  it('lists every problem at once, with its path', () => {
    const f = file('bad.yaml', 'typo: 1\n')
    let error: unknown
    try {
      loadConfig({
        schema,
        service: 'w',
        argv: [
          '--config',
          f,
          '--hops.raw.queue.capacity',
          '-5',
          '--windowMs=x',
          '--broker',
          'http://x',
        ],
        env: { SLUICE_LOG_LEVEL: 'loud' },
      })
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(MeshConfigError)
    const e = error as MeshConfigError
    expect(e.code).toBe('SLUICE_ERR_MESH_CONFIG')
    expect(e.issues.map((i) => i.path).sort()).toEqual(
      ['broker', 'hops.raw.queue.capacity', 'logLevel', 'typo', 'windowMs'].sort(),
    )
    expect(e.message).toContain('expected one of "fatal"')
  })

  it('says which file it cannot read or parse', () => {
    expect(() => loadConfig({ schema, service: 'w', file: join(dir, 'missing.yaml') })).toThrow(
      MeshConfigFileError,
    )
    const f = file('broken.yaml', 'a: [1, 2\n')
    expect(() => loadConfig({ schema, service: 'w', argv: ['--config', f] })).toThrow(
      /not valid YAML/,
    )
  })

  it('replaces the default of a record or an open object with the given value, never merging', () => {
    const windowSpec = Type.Object({
      size: Type.Integer(),
      stride: Type.Integer({ default: 1 }),
    })
    const s = Type.Object({
      windows: Type.Record(Type.String(), windowSpec, { default: { c100: { size: 100 } } }),
      detector: Type.Object(
        { name: Type.String() },
        { additionalProperties: true, default: { name: 'novelty', memory: 64 } },
      ),
      debounce: Type.Object(
        { holdoff: Type.Integer({ default: 20 }), ms: Type.Integer({ default: 0 }) },
        { default: {} },
      ),
    })
    const given = loadConfig({
      schema: s,
      service: 'x',
      argv: ['--windows.w1.size', '5', '--detector.name', 'mad', '--debounce.ms', '7'],
    })
    expect(given.windows).toEqual({ w1: { size: 5, stride: 1 } })
    expect(given.detector).toEqual({ name: 'mad' })
    // A closed object still gets its field defaults around the given fields.
    expect(given.debounce).toEqual({ holdoff: 20, ms: 7 })
    const none = loadConfig({ schema: s, service: 'x' })
    expect(none.windows).toEqual({ c100: { size: 100, stride: 1 } })
    expect(none.detector).toEqual({ name: 'novelty', memory: 64 })
    expect(none.debounce).toEqual({ holdoff: 20, ms: 0 })
  })

  it('converts and defaults a record entry that is a union, from flags', () => {
    const s = Type.Object({
      windows: Type.Record(
        Type.String(),
        Type.Union([
          Type.Object({ type: Type.Literal('count'), size: Type.Integer() }),
          Type.Object({
            type: Type.Literal('time'),
            length: Type.Integer(),
            allowedLateness: Type.Number({ default: 0 }),
          }),
        ]),
        { default: {} },
      ),
    })
    const c = loadConfig({
      schema: s,
      service: 'x',
      argv: ['--windows.t1.type', 'time', '--windows.t1.length', '1000'],
    })
    expect(c.windows).toEqual({ t1: { type: 'time', length: 1000, allowedLateness: 0 } })
  })

  it('reports a discriminated union by the branch its value names', () => {
    const schema = Type.Object({
      sink: Type.Union([
        Type.Object(
          { type: Type.Literal('file'), path: Type.Optional(Type.String()) },
          { additionalProperties: false, title: 'sink file' },
        ),
        Type.Object(
          { type: Type.Literal('http'), url: Type.String() },
          { additionalProperties: false, title: 'sink http' },
        ),
      ]),
    })
    const problems = (overrides: Record<string, unknown>): string => {
      try {
        loadOptions({ schema, overrides })
      } catch (err) {
        return (err as Error).message
      }
      return ''
    }
    expect(problems({ sink: { type: 'file', pth: 'x' } })).toContain(
      'sink.pth: unknown option of sink file; known: type, path (got "x")',
    )
    expect(problems({ sink: { type: 'kafka' } })).toContain(
      'sink.type: expected one of "file", "http" (got "kafka")',
    )
    expect(problems({ sink: 'file' })).toContain(
      'sink: expected an object whose type is one of "file", "http"',
    )
    expect(problems({ sink: { type: 'http' } })).toContain('sink.url')
  })
})

describe('loadOptions on the command line', () => {
  function issues(options: Parameters<typeof loadOptions>[0]): readonly { path: string }[] {
    try {
      loadOptions(options)
    } catch (err) {
      return (err as MeshConfigError).issues
    }
    return []
  }

  it('refuses positional words when asked, naming them (everything after -- is one)', () => {
    expect(loadOptions({ schema, argv: ['foo', '--windowMs', '5'] }).windowMs).toBe(5)
    expect(issues({ schema, argv: ['foo', '--windowMs', '5'], refusePositionals: true })).toEqual([
      { path: '/', message: expect.stringContaining('unexpected argument "foo"') as unknown },
    ])
    expect(issues({ schema, argv: ['--', '--windowMs', '5'], refusePositionals: true })).toEqual([
      { path: '/', message: expect.stringContaining('"--windowMs", "5"') as unknown },
    ])
  })

  it('lists the cross-option checks with the schema problems, at once', () => {
    const check = (v: Readonly<Record<string, unknown>>) =>
      v.verbose === true ? [{ path: 'verbose', message: 'needs a quiet friend' }] : []
    expect(
      issues({ schema, argv: ['--windowMs', '0', '--verbose'], check }).map((i) => i.path),
    ).toEqual(['windowMs', 'verbose'])
  })
})
