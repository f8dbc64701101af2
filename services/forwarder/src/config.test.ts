import { describe, expect, it } from 'vitest'
import { loadConfig, MeshConfigError } from '@sluice/mesh'
import { ForwarderConfigSchema } from './config.js'
import { createSink, sinkTypes } from './sinks/registry.js'

function load(sinks: unknown[]) {
  return loadConfig({ schema: ForwarderConfigSchema, service: 'forwarder', overrides: { sinks } })
}

function problems(sinks: unknown[]): string {
  try {
    load(sinks)
  } catch (err) {
    expect(err).toBeInstanceOf(MeshConfigError)
    return (err as Error).message
  }
  throw new Error('the config was accepted')
}

describe('forwarder config', () => {
  it('gives every registered sink type its delivery defaults and its own', () => {
    const config = load([
      { type: 'http', name: 'hook', url: 'http://127.0.0.1:9/x' },
      { type: 'file', name: 'f' },
    ])
    expect(config.sinks[0]).toMatchObject({
      type: 'http',
      batchSize: 500,
      headers: {},
      timeoutMs: 10_000,
    })
    expect(config.sinks[1]).toMatchObject({ type: 'file', keep: 5, topics: ['window', 'anomaly'] })
  })

  it('refuses a setting the sink type does not declare, naming the type and its settings', () => {
    const message = problems([{ type: 'http', name: 'hook', url: 'http://h/x', hmacSecet: 's' }])
    expect(message).toMatch(/sinks\.0\.hmacSecet: unknown option of sink http; known: .*hmacSecret/)
  })

  it('refuses an unknown sink type, listing the registered ones', () => {
    const message = problems([{ type: 'kafka', name: 'k' }])
    expect(message).toContain(
      `sinks.0.type: expected one of ${sinkTypes.map((s) => JSON.stringify(s.type)).join(', ')}`,
    )
  })

  it('builds each sink with the factory its type registered', async () => {
    const config = load([{ type: 'http', name: 'hook', url: 'http://127.0.0.1:9/x' }])
    const sink = createSink(config.sinks[0]!, '/tmp')
    expect(sink).toMatchObject({ name: 'hook', type: 'http' })
    await sink.close()
  })
})
